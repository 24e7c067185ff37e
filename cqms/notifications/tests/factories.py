from __future__ import annotations

from cqms.notifications import services
from cqms.notifications.models import Channel


def make_channel(
    actor,
    kind: str,
    webhook_url: str,
    *,
    secret: str = "",
    events=("deadline_approaching", "deadline_missed", "escalated", "assigned"),
    name: str | None = None,
    **values,
) -> Channel:
    limits = Channel.DEFAULT_LIMITS[kind]
    return services.create_channel(
        {
            "name": name or f"{kind} group",
            "kind": kind,
            "events": list(events),
            "per_minute": limits[0],
            "per_second": limits[1],
            **values,
        },
        actor=actor,
        webhook_url=webhook_url,
        secret=secret,
    )


def inbox_entry(user, key: str = "test-entry"):
    """An inbox entry of `user` (the same one on every call)."""
    from django.db import transaction

    from cqms.notifications.models import Notification

    with transaction.atomic():
        services.publish("assigned", recipients=[user], key=key, channels=False)
    return Notification.objects.get(recipient=user, key=key)


def any_channel(actor) -> Channel:
    """A WeCom channel (the same one on every call)."""
    found = Channel.objects.filter(name="access check").first()
    return found or make_channel(
        actor,
        "wecom",
        "http://127.0.0.1:9/cgi-bin/webhook/send?key=k",
        name="access check",
    )
