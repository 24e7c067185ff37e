"""Anchors of the audit chain's head posted to the group bots subscribed to them: a copy of the
anchors outside the data folder, in a chat history the database's users cannot edit."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import events

EVENT = "audit_anchor"
logger = logging.getLogger(__name__)


def render_anchor(record, context) -> tuple[str, str]:
    return (
        gettext("Audit trail anchor %(seq)s") % {"seq": context["seq"]},
        gettext("Entry %(entry)s, hash %(hash)s, at %(at)s (%(reason)s).")
        % {
            "entry": context["entry_id"],
            "hash": context["hash"],
            "at": context["at"],
            "reason": context["reason"],
        },
    )


def publish_anchor(sender, anchor: dict, **kwargs) -> None:
    from .services import publish

    key = f"{EVENT}:{anchor['seq']}:{anchor['hash'][:16]}"
    try:
        with transaction.atomic():
            publish(EVENT, recipients=[], context=anchor, key=key)
    except Exception:
        # The anchor is in its file already; a failed post must not fail a backup or the job.
        logger.exception("The audit anchor %s could not be queued for group bots", anchor["seq"])


def register() -> None:
    from cqms.audit.anchors import anchor_written

    events.register(EVENT, _("Audit trail anchor"), render_anchor)
    anchor_written.connect(publish_anchor, dispatch_uid="notifications.audit_anchor")
