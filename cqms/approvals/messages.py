"""What approval notifications say, in the recipient's language (`notifications.events`)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def _subject(record, context) -> dict:
    return {
        "flow": context.get("flow", ""),
        "record": record if record is not None else context.get("record", ""),
    }


def _body(context) -> str:
    lines = []
    if context.get("node"):
        lines.append(_("Step: %(node)s") % {"node": context["node"]})
    if context.get("comment"):
        lines.append(_("Comment: %(comment)s") % {"comment": context["comment"]})
    return "\n".join(lines)


def render_urged(record, context):
    return _("Reminder: %(flow)s of %(record)s waits for your decision") % _subject(
        record, context
    ), _body(context)


def render_copied(record, context):
    return _("For your information: %(flow)s of %(record)s") % _subject(record, context), _body(
        context
    )


def render_withdrawn(record, context):
    return _("Withdrawn: %(flow)s of %(record)s no longer needs your decision") % _subject(
        record, context
    ), _body(context)


def render_returned(record, context):
    return _("Returned: %(flow)s of %(record)s went back to an earlier step") % _subject(
        record, context
    ), _body(context)


def render_locked(record, context):
    return (
        _("Signing locked for %(user)s after wrong passwords") % {"user": context.get("user", "")},
        _(
            "%(user)s (%(username)s) entered wrong passwords when signing until the account was "
            "locked for this address. Check with them that nobody else tried to sign."
        )
        % {"user": context.get("user", ""), "username": context.get("username", "")},
    )
