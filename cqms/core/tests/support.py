"""Test-only helpers of the core app."""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting

from cqms.core.renderers import DRAWN, FormRenderer


class CheckedFormRenderer(FormRenderer):
    """The project's renderer, checked against the templates it replaces on every widget the
    tests draw (conftest.py installs it for the whole suite): a difference fails the test that
    drew the widget."""

    def render(self, template_name, context, request=None):
        drawn = super().render(template_name, context, request=request)
        if template_name in DRAWN:
            expected = TemplatesSetting.render(self, template_name, context, request=request)
            assert drawn == expected, f"{template_name}: {drawn!r} != {expected!r}"
        return drawn
