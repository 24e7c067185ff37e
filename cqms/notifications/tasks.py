"""What the django-q2 worker runs for notifications (queued after commits and by schedules).
Each is safe to run twice (keys and claims), so a busy database is tried again."""

from __future__ import annotations

from cqms.core.database import retry_when_busy

from . import delivery, sweep


@retry_when_busy()
def deliver() -> str:
    """Send the outbox: queued after every commit that wrote messages, and every minute."""
    counts = delivery.deliver()
    return ", ".join(f"{name} {value}" for name, value in counts.items())


@retry_when_busy()
def sweep_deadlines() -> str:
    """Reminders, missed deadlines and escalations: every five minutes."""
    counts = sweep.sweep()
    return ", ".join(f"{name} {value}" for name, value in counts.items())


@retry_when_busy()
def daily_digest() -> str:
    """Each morning: the digest (not on days off), and the outbox is tidied (every day)."""
    pruned = delivery.prune()
    return f"{sweep.daily_digest()}, {pruned} old messages removed"
