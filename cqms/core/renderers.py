"""The form renderer: Django's, with its plainest widget templates drawn in Python.

A list page's filter bar draws about a dozen inputs and selects, an open complaint's page about
ten. Each one went through the template engine twice (the widget, then its attributes): about
0.35 ms a widget, 4 ms of the register's 25. The markup drawn here is exactly what the templates
draw: the test suite compares the two on every widget it draws (conftest.py); every other
template still goes to the template engine.
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def attributes(attrs: dict) -> str:
    # django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name.
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(_text(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _text(value):
    # The templates' `|stringformat:'s'`: str() of the value, still safe if it was.
    return value if hasattr(value, "__html__") else str(value)


def draw_input(widget: dict) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(_text(value))}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{attributes(widget["attrs"])}>'
    )


def draw_textarea(widget: dict) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{attributes(widget["attrs"])}>\n'
        f"{conditional_escape(value) if value else ''}</textarea>"
    )


def draw_select(widget: dict) -> str:
    # cqms/templates/django/forms/widgets/select.html, line for line.
    parts = [f'<select name="{conditional_escape(widget["name"])}"{attributes(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        parts.extend(
            f'\n  <option value="{conditional_escape(_text(option["value"]))}"'
            f"{attributes(option['attrs'])}>{conditional_escape(option['label'])}</option>"
            for option in options
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")  # the renderer strips the template's last newline
    return "".join(parts)


WIDGETS = "django/forms/widgets/"
DRAWN = {
    **{
        f"{WIDGETS}{name}.html": draw_input
        for name in (
            "input",
            "text",
            "number",
            "email",
            "url",
            "tel",
            "search",
            "password",
            "hidden",
            "date",
            "datetime",
            "time",
            "checkbox",
            "color",
            "file",
        )
    },
    f"{WIDGETS}select.html": draw_select,
    f"{WIDGETS}textarea.html": draw_textarea,
}


class FormRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        draw = DRAWN.get(template_name)
        if draw is None:
            return super().render(template_name, context, request=request)
        return mark_safe(draw(context["widget"]))  # noqa: S308 - every value escaped above
