"""What a new database gets once: the schedules of the job worker, the settings row, the default
escalation ladder, and the notification permissions for the administrator role."""

from __future__ import annotations

import datetime as dt

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

# name -> (task, "I" every few minutes or "D" daily at DIGEST_TIME, minutes)
SCHEDULES = {
    "cqms.notifications.deliver": ("cqms.notifications.tasks.deliver", "I", 1),
    "cqms.notifications.sweep": ("cqms.notifications.tasks.sweep_deadlines", "I", 5),
    "cqms.notifications.digest": ("cqms.notifications.tasks.daily_digest", "D", None),
}
DIGEST_TIME = dt.time(8, 0)


def ensure_defaults(sender, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    _ensure_schedules(using)
    Settings = apps.get_model("notifications", "NotificationSettings")
    if Settings.objects.using(using).filter(pk=1).exists():
        return
    Settings.objects.using(using).create(pk=1)
    _seed_ladder(apps, using)
    _grant_administrator(apps, using)


def _ensure_schedules(using: str) -> None:
    from django_q.models import Schedule

    now = timezone.now()
    for name, (func, kind, minutes) in SCHEDULES.items():
        if kind == "D":
            today = timezone.localdate()
            first = timezone.make_aware(dt.datetime.combine(today, DIGEST_TIME))
            if first <= now:
                first = timezone.make_aware(
                    dt.datetime.combine(today + dt.timedelta(days=1), DIGEST_TIME)
                )
            defaults = {"func": func, "schedule_type": Schedule.DAILY, "next_run": first}
        else:
            defaults = {
                "func": func,
                "schedule_type": Schedule.MINUTES,
                "minutes": minutes,
                "next_run": now,
            }
        Schedule.objects.using(using).get_or_create(name=name, defaults={**defaults, "repeats": -1})


def _seed_ladder(apps, using: str) -> None:
    from .escalation import DEFAULT_STEPS

    Ladder = apps.get_model("notifications", "EscalationLadder")
    Step = apps.get_model("notifications", "EscalationStep")
    Role = apps.get_model("organisation", "Role")
    if Ladder.objects.using(using).exists():
        return
    ladder = Ladder.objects.using(using).create(clock_name="*")
    roles = {role.code: role for role in Role.objects.using(using).all()}
    position = 0
    for target, role_code, hours in DEFAULT_STEPS:
        role = roles.get(role_code) if role_code else None
        if role_code and role is None:
            continue  # the role was renamed or removed: leave the step out
        position += 1
        Step.objects.using(using).create(
            ladder=ladder, position=position, target=target, role=role, delay_hours=hours
        )


def _grant_administrator(apps, using: str) -> None:
    """Administrators manage channels, ladders and settings (given once, on the first
    migration; an administrator's later changes to the role stick)."""
    from django.contrib.auth.management import create_permissions

    create_permissions(global_apps.get_app_config("notifications"), verbosity=0, using=using)
    Role = apps.get_model("organisation", "Role")
    Permission = apps.get_model("auth", "Permission")
    role = Role.objects.using(using).filter(code="administrator").first()
    if role is None:
        return
    role.permissions.add(
        *Permission.objects.using(using).filter(content_type__app_label="notifications")
    )
