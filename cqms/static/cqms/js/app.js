// CQMS page behaviour: searchable selects, charts, live job progress. Runs on page load and on
// every fragment htmx swaps in, so partial updates behave like full pages.
(function () {
  "use strict";

  function initSelects(root) {
    if (!window.TomSelect) return;
    // The picker's own words come translated from the page (base.html), not from tom-select.
    var texts = document.body.dataset;
    root.querySelectorAll("select[data-searchable]:not(.tomselected)").forEach(function (el) {
      var options = {
        maxOptions: 200,
        allowEmptyOption: true,
        plugins: el.multiple ? { remove_button: { title: texts.pickerRemove || "Remove" } } : {},
        render: {
          no_results: function (data, escape) {
            return '<div class="no-results">' + escape(texts.pickerNoResults || "No results found") + "</div>";
          },
        },
      };
      var url = el.dataset.searchUrl;
      if (url) {
        // Options come from the server as the user types: no page lists every user.
        options.valueField = "value";
        options.labelField = "text";
        options.searchField = ["text"];
        options.preload = "focus";
        // The server matches pinyin and initials (lj finds 李静), which the text shown does not
        // contain: the list is what the server found for the latest query, nothing else.
        var found = {};
        options.score = function () {
          return function (item) { return found[String(item.value)] ? 1 : 0; };
        };
        var latest = 0;  // answers can arrive out of order: only the newest query's counts
        options.load = function (query, callback) {
          var select = this, ticket = ++latest;
          fetch(url + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
            .then(function (response) { return response.json(); })
            .then(function (data) {
              if (ticket !== latest) { callback(); return; }
              found = {};
              data.results.forEach(function (result) { found[String(result.value)] = true; });
              select.clearOptions();
              callback(data.results);
            })
            .catch(function () { callback(); });
        };
      }
      new TomSelect(el, options);
    });
  }

  function initCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chart);
      if (!source || el.dataset.chartReady) return;
      var chart = echarts.init(el);
      chart.setOption(JSON.parse(source.textContent));
      el.dataset.chartReady = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function initCheckAll(root) {
    root.querySelectorAll("input[data-check-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        document.querySelectorAll("input[name='" + box.dataset.checkAll + "']").forEach(function (item) {
          item.checked = box.checked;
        });
      });
    });
  }

  function init(root) {
    initSelects(root);
    initCharts(root);
    initCheckAll(root);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();

// 8D report: the 5-Why chain of a root cause is an ordered list of inputs; "Add a why" appends
// one, the cross removes one (without scripts the form offers empty inputs instead).
(function () {
  "use strict";

  function renumber(list) {
    var label = list.dataset.whyLabel || "Why";
    list.querySelectorAll("[data-why] input").forEach(function (input, index) {
      input.setAttribute("aria-label", label + " " + (index + 1));
    });
  }

  function initWhyChains(root) {
    root.querySelectorAll("[data-why-chain]:not([data-why-ready])").forEach(function (chain) {
      var list = chain.querySelector("[data-why-list]");
      var add = chain.querySelector("[data-why-add]");
      chain.dataset.whyReady = "1";
      if (!list || !add) return;
      add.hidden = false;
      chain.addEventListener("click", function (event) {
        var remove = event.target.closest("[data-why-remove]");
        if (remove) {
          var item = remove.closest("[data-why]");
          if (list.querySelectorAll("[data-why]").length > 1) item.remove();
          else item.querySelector("input").value = "";
          renumber(list);
        } else if (event.target.closest("[data-why-add]")) {
          var copy = list.querySelector("[data-why]:last-child").cloneNode(true);
          var input = copy.querySelector("input");
          input.value = "";
          list.appendChild(copy);
          renumber(list);
          input.focus();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { initWhyChains(document); });
  document.addEventListener("htmx:load", function (event) { initWhyChains(event.detail.elt); });
})();

// Typing survives a swap: a container marked data-keep-input (an 8D step card) is redrawn by the
// server whenever one of its forms is used ("Start the containment grid", "Attach", a row added).
// What the user typed in its OTHER forms and has not saved is put back into the new drawing. A
// field the server now shows with another value (someone saved it meanwhile) or no longer shows
// keeps the server's value, and the card lists the unsaved text so it is never lost silently.
(function () {
  "use strict";

  var SKIP = { hidden: 1, file: 1, submit: 1, button: 1, reset: 1, image: 1, password: 1 };
  var drawn = new WeakMap();  // field -> its value as the server drew it
  var pending = {};

  function editable(root) {
    return Array.prototype.filter.call(root.querySelectorAll("input[name], textarea[name], select[name]"), function (el) {
      return !SKIP[el.type] && el.name !== "csrfmiddlewaretoken" && !el.disabled;
    });
  }

  function keys(fields) {
    var seen = {};
    return fields.map(function (el) {
      var base = el.name + (el.type === "radio" || el.type === "checkbox" ? "=" + el.value : "");
      seen[base] = (seen[base] || 0) + 1;
      return base + "#" + seen[base];
    });
  }

  function current(el) {
    if (el.type === "checkbox" || el.type === "radio") return { now: String(el.checked) };
    if (el.tagName !== "SELECT") return { now: el.value };
    var now = [], texts = {};
    Array.prototype.forEach.call(el.options, function (o) {
      if (o.selected) { now.push(o.value); texts[o.value] = o.text; }
    });
    return { now: now.join("\n"), texts: texts };
  }

  function original(el) {
    if (drawn.has(el)) return drawn.get(el);
    if (el.type === "checkbox" || el.type === "radio") return String(el.defaultChecked);
    if (el.tagName !== "SELECT") return el.defaultValue;
    return Array.prototype.filter.call(el.options, function (o) { return o.defaultSelected; })
      .map(function (o) { return o.value; }).join("\n");
  }

  function remember(root) {
    if (!root.querySelectorAll || !(root.closest("[data-keep-input]") || root.querySelector("[data-keep-input]"))) return;
    editable(root).forEach(function (el) {
      if (!drawn.has(el) && el.closest("[data-keep-input]")) drawn.set(el, current(el).now);
    });
  }

  function label(el) {
    var text = (el.labels && el.labels[0] && el.labels[0].textContent) || el.getAttribute("aria-label") || el.name;
    return text.replace(/\s+/g, " ").replace(/\*$/, "").trim();
  }

  function shown(el, value) {
    if (el.type === "checkbox" || el.type === "radio") return value.now === "true" ? "✓" : "✗";
    if (el.tagName === "SELECT") return value.now.split("\n").map(function (v) { return value.texts[v] || v; }).join(", ");
    return value.now;
  }

  function put(el, value) {
    if (el.type === "checkbox" || el.type === "radio") { el.checked = value.now === "true"; return; }
    if (el.tagName !== "SELECT") { el.value = value.now; return; }
    var wanted = value.now ? value.now.split("\n") : [];
    wanted.forEach(function (v) {
      if (!Array.prototype.some.call(el.options, function (o) { return o.value === v; })) {
        el.add(new Option(value.texts[v] || v, v));  // a picker's option found by searching
      }
    });
    Array.prototype.forEach.call(el.options, function (o) { o.selected = wanted.indexOf(o.value) >= 0; });
    if (el.tomselect) {
      wanted.forEach(function (v) { el.tomselect.addOption({ value: v, text: value.texts[v] || v }); });
      el.tomselect.setValue(wanted, true);
    }
  }

  function note(card, lost) {
    var box = document.createElement("div");
    box.setAttribute("data-unsaved-note", lost.length ? "lost" : "kept");
    box.className = "alert py-2 small " + (lost.length ? "alert-warning" : "alert-info");
    box.setAttribute("role", lost.length ? "alert" : "status");
    box.textContent = card.getAttribute(lost.length ? "data-input-lost" : "data-input-kept") || "";
    if (lost.length) {
      var list = document.createElement("ul");
      list.className = "mb-0";
      lost.forEach(function (item) {
        var entry = document.createElement("li");
        entry.setAttribute("data-unsaved-text", item.key);
        entry.textContent = item.label + ": " + item.text;
        list.appendChild(entry);
      });
      box.appendChild(list);
    }
    var body = card.querySelector(".card-body") || card;
    body.insertBefore(box, body.firstChild);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var card = event.detail.target;
    if (!event.detail.shouldSwap || !card || !card.id || !card.hasAttribute("data-keep-input")) return;
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var sent = source ? (source.tagName === "FORM" ? source : source.form || source.closest("form")) : null;
    var fields = editable(card);
    var typed = [];
    keys(fields).forEach(function (key, index) {
      var el = fields[index];
      if (sent && sent.contains(el)) return;  // the server answered for the form it received
      var value = current(el);
      var was = original(el);
      if (value.now !== was) typed.push({ key: key, value: value, was: was, label: label(el), text: shown(el, value) });
    });
    if (typed.length) pending[card.id] = { typed: typed, old: fields };
  });

  document.addEventListener("htmx:afterSettle", function () {
    Object.keys(pending).forEach(function (id) {
      // Another request may settle first (its swap began later but ended sooner): wait until the
      // card's own fields have really been replaced.
      if (pending[id].old.some(function (el) { return el.isConnected; })) return;
      var typed = pending[id].typed;
      delete pending[id];
      var card = document.getElementById(id);
      if (!card) return;
      remember(card);
      var fields = editable(card);
      var byKey = {};
      keys(fields).forEach(function (key, index) { byKey[key] = fields[index]; });
      var lost = typed.filter(function (item) {
        var el = byKey[item.key];
        if (!el || original(el) !== item.was) return true;
        put(el, item.value);
        el.classList.add("cqms-unsaved");
        return false;
      });
      note(card, lost);
    });
  });

  document.addEventListener("DOMContentLoaded", function () { remember(document); });
  document.addEventListener("htmx:load", function (event) { remember(event.detail.elt); });
})();

// Copy buttons: <button data-copy="id-of-an-input" data-copied="label once copied">. The
// clipboard API needs HTTPS or localhost; on plain HTTP in the plant the field is selected and
// copied the old way.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.dataset.copy);
    if (!field) return;
    var label = button.querySelector("span") || button;
    function done() {
      label.textContent = button.dataset.copied;
      button.dataset.copyDone = "1";
    }
    function fallback() {
      field.focus();
      field.select();
      if (document.execCommand("copy")) done();
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, fallback);
    } else {
      fallback();
    }
  });
})();
