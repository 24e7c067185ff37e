"""The start-up check of the audit key (see keys.py); it runs without the `database` tag on
purpose, so that runserver, qcluster and migrate refuse too."""

from __future__ import annotations

from django.core.checks import Error, register

from .keys import start_problem


@register()
def audit_key_matches_trail(app_configs, **kwargs):
    problem = start_problem()
    return [Error(problem, id="audit.E001")] if problem else []
