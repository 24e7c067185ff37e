"""The catalogue of events that parts of CQMS announce. Each part registers its events in
`AppConfig.ready()`; administrators subscribe channels to them by code, people choose e-mail
per event.

    from cqms.notifications import events
    events.register("complaint_received", _("Complaint received"), render=render_received)

`render(record, context) -> (title, body)` runs once per recipient in the recipient's language
(and once per group bot in the channel's language); `context` is the dict given to `publish()`.
Without a renderer the title says "<label>: <record>". `channels=False` keeps an event personal
(inbox and e-mail only; administrators cannot send it to group bots).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Event:
    code: str
    label: str
    # (record, context) -> (title, body) in the active language; the default says the label.
    render: Callable | None = None
    channels: bool = True


_events: dict[str, Event] = {}


def register(code: str, label, render: Callable | None = None, *, channels: bool = True) -> Event:
    event = Event(code, label, render, channels)
    _events[code] = event
    return event


def get(code: str) -> Event:
    try:
        return _events[code]
    except KeyError:
        raise LookupError(f"Unknown notification event {code!r}: register it first.") from None


def all_events() -> list[Event]:
    return sorted(_events.values(), key=lambda e: e.code)


def channel_events() -> list[Event]:
    return [event for event in all_events() if event.channels]


# --- Renderers of the foundation's clock events -------------------------------------------------


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _clock_subject(record, context) -> dict:
    from .escalation import clock_label

    clock = context.get("clock")
    name = clock_label(clock.name) if clock is not None else ""
    return {
        "clock": name,
        "record": record if record is not None else "",
        "due": _when(clock.due_at) if clock is not None else "",
    }


def _plain(code: str, record) -> tuple[str, str]:
    """The default sentence, for publishers that give no clock (e.g. "escalated" at once)."""
    label = get(code).label
    if record is None:
        return str(label), ""
    return gettext("%(event)s: %(record)s") % {"event": label, "record": record}, ""


def render_approaching(record, context) -> tuple[str, str]:
    if context.get("clock") is None:
        return _plain("deadline_approaching", record)
    values = {**_clock_subject(record, context), "percent": context.get("percent", "")}
    title = gettext("%(clock)s of %(record)s: %(percent)s%% of the time used") % values
    body = gettext("Due %(due)s.") % values
    owner = context.get("owner")
    if owner:
        body += " " + gettext("Responsible: %(owner)s.") % {"owner": owner}
    return title, body


def render_missed(record, context) -> tuple[str, str]:
    if context.get("clock") is None:
        return _plain("deadline_missed", record)
    values = _clock_subject(record, context)
    title = gettext("%(clock)s of %(record)s is overdue") % values
    body = gettext("It was due %(due)s.") % values
    owner = context.get("owner")
    if owner:
        body += " " + gettext("Responsible: %(owner)s.") % {"owner": owner}
    return title, body


def render_escalated(record, context) -> tuple[str, str]:
    if context.get("clock") is None:
        return _plain("escalated", record)
    values = {
        **_clock_subject(record, context),
        "step": context.get("step", ""),
        "target": context.get("target", ""),
    }
    title = gettext("Escalated (step %(step)s): %(clock)s of %(record)s is overdue") % values
    body = gettext("It was due %(due)s. Now told: %(target)s.") % values
    owner = context.get("owner")
    if owner:
        body += " " + gettext("Responsible: %(owner)s.") % {"owner": owner}
    return title, body


def render_digest(record, context) -> tuple[str, str]:
    overdue = context.get("overdue", [])
    today = context.get("today", [])
    title = gettext("Your deadlines on %(date)s: %(overdue)s overdue, %(today)s due today") % {
        "date": formats.date_format(context["date"], "DATE_FORMAT"),
        "overdue": len(overdue),
        "today": len(today),
    }
    lines = []
    for heading, items in ((gettext("Overdue"), overdue), (gettext("Due today"), today)):
        if items:
            lines.append(f"{heading}:")
            lines.extend(f"- {item['label']} · {item['due']} {item['url']}" for item in items)
            lines.append("")
    for section in context.get("work", []):
        lines.append(f"{section['title']}: {section['total']} {section['url']}".rstrip())
    return title, "\n".join(lines).strip()


def render_test(record, context) -> tuple[str, str]:
    return (
        gettext("Test message from CQMS"),
        gettext("If you can read this, the channel %(name)s works.")
        % {"name": context.get("name")},
    )


# The foundation's own events; parts add theirs.
for _code, _label, _render in [
    ("assigned", _("Assigned to you"), None),
    ("mentioned", _("You were mentioned"), None),
    ("step_completed", _("Step completed"), None),
    ("approval_requested", _("Approval requested"), None),
    ("approval_decided", _("Approval decided"), None),
    ("deadline_approaching", _("Deadline approaching"), render_approaching),
    ("deadline_missed", _("Deadline missed"), render_missed),
    ("escalated", _("Escalated"), render_escalated),
    ("customer_answered", _("Customer answered"), None),
]:
    register(_code, _label, _render)
register("daily_digest", _("Daily digest"), render_digest, channels=False)
DIGEST = "daily_digest"
TEST = "test_message"
