"""Signals of the audit trail's writes."""

from django.dispatch import Signal

# Sent by `services.save_changes` after its UPDATE (which Django's post_save does not see), with
# `instance` and `fields` (the names that changed).
changed = Signal()
