"""The deadline sweep (every few minutes) and the daily digest (each working morning).

Both are idempotent, also when two workers run them at the same moment:

- a reminder is announced once per clock and threshold: a `ClockAlert` row (unique per clock
  and kind) is inserted in the same transaction as the messages, and the messages carry keys;
- an escalation step is taken once: the clock's `escalation_step` moves with a conditional
  UPDATE on its version (`audit.save_changes`), and `Escalation` is unique per clock and step;
- the digest is keyed per person and day.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from cqms.audit import services as audit
from cqms.clocks.models import Clock
from cqms.clocks.services import share_elapsed
from cqms.core.context import change_context
from cqms.core.errors import ConcurrentEditError
from cqms.workdays import calendar

from . import escalation, events, services
from .models import ClockAlert, Escalation, NotificationSettings, Preference

logger = logging.getLogger(__name__)


def sweep(now: dt.datetime | None = None) -> dict:
    """Announce approaching and missed deadlines and climb the escalation ladders."""
    now = now or timezone.now()
    thresholds = NotificationSettings.current().thresholds
    counts = {"approaching": 0, "missed": 0, "escalated": 0}
    running = (
        Clock.objects.filter(done_at__isnull=True, paused_at__isnull=True)
        .select_related("owner", "department", "content_type")
        .prefetch_related("pauses")
        .order_by("due_at", "pk")
    )
    ids = list(running.values_list("pk", flat=True))
    alerts: dict[int, set[str]] = {}
    for clock_id, kind in ClockAlert.objects.filter(clock_id__in=ids).values_list(
        "clock_id", "kind"
    ):
        alerts.setdefault(clock_id, set()).add(kind)
    ladders: dict = {}
    cal = calendar.company_calendar()  # one calendar check for the whole sweep
    with change_context(source="job", request_id="notifications-sweep"):
        for start in range(0, len(ids), 500):
            for clock in running.filter(pk__in=ids[start : start + 500]):
                known = alerts.get(clock.pk, set())
                try:
                    if clock.due_at <= now:
                        if "missed" not in known and _announce_missed(clock, now):
                            counts["missed"] += 1
                        counts["escalated"] += _escalate(clock, now, ladders)
                    elif _announce_approaching(clock, now, thresholds, known, cal):
                        counts["approaching"] += 1
                except Exception:
                    # One broken record must not stop the reminders of all others.
                    logger.exception("The deadline sweep failed for clock %s", clock.pk)
    return counts


def _context(clock: Clock, **extra) -> dict:
    return {"clock": clock, "owner": str(clock.owner) if clock.owner_id else "", **extra}


def _record(clock: Clock):
    try:
        return clock.record
    except Exception:  # the record's model is gone
        return None


def _people(clock: Clock, record) -> list:
    """The clock's owner and the record's owner, if it has one."""
    people = [clock.owner] if clock.owner_id else []
    record_owner = getattr(record, "owner", None) if record is not None else None
    if record_owner is not None and hasattr(record_owner, "is_active"):
        people.append(record_owner)
    return people


def _departments(clock: Clock, record):
    if clock.department_id:
        return [clock.department_id]
    department_id = getattr(record, "department_id", None) if record is not None else None
    return [department_id] if department_id else []


def _insert_alerts(clock: Clock, kinds: list[str], now) -> list[str]:
    """Insert the alert rows that do not exist yet; returns the kinds this call inserted."""
    inserted = []
    for kind in kinds:
        try:
            with transaction.atomic():
                ClockAlert.objects.create(clock=clock, kind=kind, at=now)
        except IntegrityError:
            continue
        inserted.append(kind)
    return inserted


def _announce_approaching(clock: Clock, now, thresholds: list[int], known: set[str], cal) -> bool:
    share = share_elapsed(clock, now, cal=cal) * 100
    crossed = [t for t in thresholds if share >= t and f"approaching:{t}" not in known]
    if not crossed:
        return False
    record = _record(clock)
    with transaction.atomic():
        inserted = _insert_alerts(clock, [f"approaching:{t}" for t in crossed], now)
        if not inserted:
            return False
        # Only the highest share newly passed is announced: "50 %" is stale news at 83 %.
        percent = max(int(kind.split(":")[1]) for kind in inserted)
        services.publish(
            "deadline_approaching",
            recipients=_people(clock, record),
            record=record,
            context=_context(clock, percent=percent),
            key=f"clock:{clock.pk}:approaching:{percent}",
            departments=_departments(clock, record),
        )
    return True


def _announce_missed(clock: Clock, now) -> bool:
    record = _record(clock)
    with transaction.atomic():
        if not _insert_alerts(clock, ["missed"], now):
            return False
        services.publish(
            "deadline_missed",
            recipients=_people(clock, record),
            record=record,
            context=_context(clock),
            key=f"clock:{clock.pk}:missed",
            departments=_departments(clock, record),
        )
    return True


def _escalate(clock: Clock, now, ladders: dict) -> int:
    ladder = escalation.ladder_for(clock.name, ladders)
    if ladder is None or clock.escalation_step >= len(ladder.steps.all()):
        return 0
    steps = escalation.plan(clock, ladder)
    taken = 0
    for planned in steps[clock.escalation_step :]:
        if planned.due_at > now:
            break
        if not _take_step(clock, planned, now):
            break
        taken += 1
    return taken


def _take_step(clock: Clock, planned: escalation.StepPlan, now) -> bool:
    record = _record(clock)
    people = escalation.targets(planned.step, clock)
    names = ", ".join(str(p) for p in people)
    try:
        with audit.change_transaction():
            audit.save_changes(
                clock,
                {"escalation_step": planned.number},
                actor=None,
                expected_version=clock.version,
            )
            entry = Escalation(
                clock=clock,
                step=planned.number,
                target=planned.step.target,
                role=planned.step.role,
                due_at=planned.due_at,
                at=now,
            )
            audit.save_new(entry, actor=None)
            entry.recipients.set(people)
            if planned.step.target == "owner":
                # Telling the owner is the missed-deadline message itself (same key: once).
                services.publish(
                    "deadline_missed",
                    recipients=people,
                    record=record,
                    context=_context(clock),
                    key=f"clock:{clock.pk}:missed",
                    departments=_departments(clock, record),
                )
            elif people:
                services.publish(
                    "escalated",
                    recipients=[*people, *_people(clock, record)],
                    record=record,
                    context=_context(clock, step=planned.number, target=names),
                    key=f"clock:{clock.pk}:escalation:{planned.number}",
                    departments=_departments(clock, record),
                )
    except (ConcurrentEditError, IntegrityError):
        # Another sweep took this step (or the clock changed): the next sweep looks again.
        return False
    return True


# --- Daily digest ---------------------------------------------------------------------------


def daily_digest(today: dt.date | None = None) -> str:
    """One message per person with running clocks due today or overdue, each working
    morning; nothing on holidays and weekends that are not adjusted working days."""
    today = today or timezone.localdate()
    if not calendar.is_working_day(today):
        return "not a working day"
    end_of_day = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time()))
    clocks = (
        Clock.objects.filter(
            done_at__isnull=True,
            paused_at__isnull=True,
            due_at__lt=end_of_day,
            owner__isnull=False,
            owner__is_active=True,
        )
        .select_related("owner", "content_type")
        .order_by("owner_id", "due_at")
    )
    by_owner: dict[int, list[Clock]] = {}
    owners = {}
    for clock in clocks:
        by_owner.setdefault(clock.owner_id, []).append(clock)
        owners[clock.owner_id] = clock.owner
    switched_off = set(
        Preference.objects.filter(
            user_id__in=list(owners), event=events.DIGEST, inbox=False
        ).values_list("user_id", flat=True)
    )
    sent = 0
    now = timezone.now()
    for owner_id, owned in by_owner.items():
        if owner_id in switched_off:
            continue
        person = owners[owner_id]
        with translation.override(person.language):
            context = {
                "date": today,
                "overdue": [_item(c) for c in owned if c.due_at <= now],
                "today": [_item(c) for c in owned if c.due_at > now],
                "work": _work_sections(person),
            }
        with transaction.atomic():
            written = services.publish(
                events.DIGEST,
                recipients=[person],
                context=context,
                key=f"digest:{person.pk}:{today.isoformat()}",
                url=reverse("home"),
                channels=False,
            )
        sent += len(written)
    return f"{sent} digests"


def _item(clock: Clock) -> dict:
    record = _record(clock)
    url = ""
    if record is not None and hasattr(record, "get_absolute_url"):
        try:
            url = services.absolute_url(record.get_absolute_url())
        except NoReverseMatch:
            url = ""
    return {
        "label": _("%(clock)s of %(record)s")
        % {"clock": escalation.clock_label(clock.name), "record": record or "—"},
        "due": formats.date_format(timezone.localtime(clock.due_at), "SHORT_DATETIME_FORMAT"),
        "url": url,
    }


def _work_sections(person) -> list[dict]:
    """The person's "My work" sections with their counts (best effort: a failing section is
    left out of the digest, not the whole digest)."""
    from cqms.core.work import work_for

    try:
        sections = work_for(person)
    except Exception:
        logger.exception("My work could not be listed for the digest of user %s", person.pk)
        return []
    return [
        {
            "title": str(section.title),
            "total": section.total,
            "url": services.absolute_url(section.more_url) if section.more_url else "",
        }
        for section in sections
        if section.total
    ]
