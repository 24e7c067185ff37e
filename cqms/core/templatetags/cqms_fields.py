"""`{% bootstrap5_field %}`: the body of the project's `bootstrap5/field.html` (core/fields.py)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

from cqms.core import fields

register = template.Library()


class FieldNode(template.Node):
    def render(self, context):
        field = context.get("field")
        drawn = fields.draw(field, context) if field is not None else None
        if drawn is not None and not getattr(settings, "CQMS_CHECK_DRAWN_FIELDS", False):
            return mark_safe(drawn)  # noqa: S308 - every value is escaped in fields.draw
        crispy = self.crispy_template(context)
        markup = crispy.render(context)
        if drawn is not None:  # the test suite's check (conftest.py)
            fields.compare(drawn, markup, field)
        return markup

    def crispy_template(self, context):
        # The template this one replaces: the same name, found past this template's origin.
        found, _origin = context.template.engine.find_template(
            "bootstrap5/field.html", skip=[self.origin]
        )
        return found


@register.tag
def bootstrap5_field(parser, token):
    return FieldNode()
