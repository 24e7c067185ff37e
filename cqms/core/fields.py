"""crispy-forms' Bootstrap 5 field, drawn in Python for the plain cases.

`bootstrap5/field.html` is the template crispy-forms includes for every field of a form; it walks
some forty tags and three nested includes to draw a label, the widget and its messages. That was
0.4 ms a field, about 4 ms of an open complaint's page (its current 8D step and evidence form).
`cqms/templates/bootstrap5/field.html` calls `draw` first and falls back to crispy's template for
what is not drawn here (checkboxes, radio and multiple choices, a file input showing a stored
file, composite widgets, horizontal forms, inline help). The test suite compares both on every
field it draws (conftest.py), as HTML: crispy's own whitespace is not part of the markup.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.html import conditional_escape

from cqms.core import renderers

# Widgets whose field crispy draws differently (their own wrapper or a fieldset).
LEFT_TO_CRISPY = (
    forms.CheckboxInput,
    forms.RadioSelect,
    forms.CheckboxSelectMultiple,
    forms.MultiWidget,
)
# Context crispy gives some fields that changes their markup.
LAYOUT_KEYS = ("tag", "field_class", "label_class", "help_text_inline")
ASTERISK = '<span class="asteriskField">*</span>'
INVALID = ' class="is-invalid"'


def draw(field, context) -> str | None:
    """The field's markup as crispy's `bootstrap5/field.html` draws it, or None if that case is
    left to the template."""
    if field.is_hidden:
        return str(field)
    widget = field.field.widget
    if (
        isinstance(widget, LEFT_TO_CRISPY)
        or hasattr(widget, "widget")  # a wrapper, as the admin's related-field widget
        or field.use_fieldset
        or any(context.get(key) for key in LAYOUT_KEYS)
        or "form-horizontal" in (context.get("form_class") or "")
    ):
        return None
    if isinstance(widget, forms.FileInput):
        control = _file_input(field, context)
        if control is None:
            return None
    else:
        bootstrap = "form-select" if isinstance(widget, forms.Select) else "form-control"
        _add_classes(widget, bootstrap, invalid=bool(field.errors))
        control = str(field) + _messages(field, context)
    wrapper = " ".join(
        part for part in ("mb-3", context.get("wrapper_class"), field.css_classes()) if part
    )
    label = ""
    if field.label and context.get("form_show_labels"):
        required = field.field.required
        target = f' for="{conditional_escape(field.id_for_label)}"' if field.id_for_label else ""
        label = (
            f'<label{target} class="form-label{" requiredField" if required else ""}">'
            f"{conditional_escape(field.label)}{ASTERISK if required else ''}</label>"
        )
    auto_id = conditional_escape(field.auto_id)
    return f'<div id="div_{auto_id}" class="{conditional_escape(wrapper)}">{label}{control}</div>'


def _messages(field, context) -> str:
    """bootstrap5/layout/help_text_and_errors.html: the errors, then the help text."""
    parts = []
    auto_id = conditional_escape(field.auto_id)
    if field.errors and context.get("form_show_errors"):
        tag = "span" if context.get("error_text_inline") else "p"
        error_id = conditional_escape(getattr(field.errors, "field_id", ""))
        parts.append(f'<div id="{error_id}_error" class="invalid-feedback">')
        parts.extend(
            f'<{tag} id="error_{number}_{auto_id}"><strong>{conditional_escape(error)}'
            f"</strong></{tag}>"
            for number, error in enumerate(field.errors, 1)
        )
        parts.append("</div>")
    if field.help_text:
        target = f'id="{auto_id}_helptext" ' if field.auto_id else ""
        parts.append(f'<div {target}class="form-text">{field.help_text}</div>')
    return "".join(parts)


def _file_input(field, context) -> str | None:
    """bootstrap5/layout/field_file.html for a file input without a file already stored."""
    (data,) = (widget.data for widget in field.subwidgets)
    if data.get("is_initial"):
        return None
    attrs = data["attrs"]
    css = "form-control"
    if attrs.get("class"):
        css += f" {attrs['class']}"
    if field.errors:
        css += " is-invalid"
    others = {name: value for name, value in attrs.items() if name != "class"}
    kind, name = conditional_escape(data["type"]), conditional_escape(data["name"])
    disabled = " disabled" if field.field.disabled else ""
    return (
        f"<div{INVALID if field.errors else ''}>"
        f'<input type="{kind}" name="{name}" class="{conditional_escape(css)}"{disabled}'
        f"{renderers.attributes(others)}>{_messages(field, context)}</div>"
    )


def _add_classes(widget, bootstrap: str, *, invalid: bool) -> None:
    # What crispy's `{% crispy_field %}` does to the widget: its class name, then Bootstrap's.
    converters = getattr(settings, "CRISPY_CLASS_CONVERTERS", {})
    name = widget.__class__.__name__.lower()
    name = converters.get(name, name)
    css = widget.attrs.get("class", "")
    if not css:
        css = name
    elif css.find(name) == -1:
        css += f" {name}"
    for extra in (bootstrap, "is-invalid") if invalid else (bootstrap,):
        if extra not in css.split():
            css += f" {extra}"
    widget.attrs["class"] = css


def compare(drawn: str, expected: str, field) -> None:
    """Fail if `drawn` is not the HTML crispy's template drew (tests only: it parses both)."""
    from django.test.html import parse_html

    assert parse_html(drawn) == parse_html(expected), (
        f"field {field.html_name!r}: {drawn!r} != {expected!r}"
    )
