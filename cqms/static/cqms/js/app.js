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
        options.load = function (query, callback) {
          var select = this;
          fetch(url + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
            .then(function (response) { return response.json(); })
            .then(function (data) {
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
