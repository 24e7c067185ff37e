"""Sending the outbox: e-mail and group bots, with claims, rate limits, merging and retries.

Every message is claimed with a conditional UPDATE (waiting -> sending) before it is sent, so two
workers never send one message. A worker that dies between sending and marking the message sent
leaves it "sending"; after `STALE_AFTER` it is waiting again and is sent once more with the same
Message-ID / idempotency header (at-least-once delivery, duplicates recognisable).

A group bot's messages are sent by one worker at a time: the worker holds a lease on the channel
(a conditional UPDATE of `ChannelState`), counts the attempts of the last minute (and second) in
`DeliveryAttempt`, and merges what exceeds the platform's limit into one summary message. The
lease is short and renewed before each post while the worker sends, so a worker that dies holds
the channel for at most `LEASE`: the next run takes the lease over and sends again what the dead
worker left "sending" (same Message-ID).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import time
import uuid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import senders
from .models import (
    Channel,
    ChannelState,
    DeliveryAttempt,
    NotificationSettings,
    OutboxMessage,
)

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
STALE_AFTER = dt.timedelta(minutes=10)
LEASE = dt.timedelta(seconds=30)
RENEW_AFTER = dt.timedelta(seconds=10)  # + one post (senders.TIMEOUT_SECONDS) < LEASE
RUN_LIMIT = dt.timedelta(minutes=4)  # one run's share of a channel; the next run goes on
BATCH = 200
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=1)
WINDOW = dt.timedelta(minutes=1)
KEEP_DAYS = 90  # the delivery log of a channel goes back this far


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 2 min, 8 min, 32 min, then hourly."""
    return min(BACKOFF_BASE * (4 ** max(0, attempts - 1)), BACKOFF_MAX)


def deliver() -> dict:
    """Send everything that is due: the task the worker runs after commits and every minute."""
    counts = {"reset": release_stale()}
    counts["email"] = deliver_email()
    channel_ids = (
        OutboxMessage.objects.filter(
            status=Status.PENDING, channel__isnull=False, next_attempt_at__lte=timezone.now()
        )
        .order_by("channel_id")
        .values_list("channel_id", flat=True)
        .distinct()
    )
    counts["channels"] = 0
    for channel_id in list(channel_ids):
        counts["channels"] += deliver_channel(channel_id)
    return counts


def prune(days: int = KEEP_DAYS) -> int:
    """Forget delivered, merged and given-up messages (and their attempts) after `days`."""
    old = timezone.now() - dt.timedelta(days=days)
    done = OutboxMessage.objects.filter(
        status__in=[Status.SENT, Status.MERGED, Status.FAILED], created_at__lt=old
    )
    _total, by_model = done.delete()
    DeliveryAttempt.objects.filter(at__lt=old).delete()
    return by_model.get(OutboxMessage._meta.label, 0)


def release_stale() -> int:
    """Messages left "sending" by a worker that died: waiting again (sent again, same id)."""
    return OutboxMessage.objects.filter(
        status=Status.SENDING, claimed_at__lt=timezone.now() - STALE_AFTER
    ).update(status=Status.PENDING, next_attempt_at=timezone.now())


def _claim(message_id: int) -> bool:
    now = timezone.now()
    return (
        OutboxMessage.objects.filter(
            pk=message_id, status=Status.PENDING, next_attempt_at__lte=now
        ).update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        == 1
    )


def _finish(message: OutboxMessage, result: senders.Result, *, max_attempts: int) -> str:
    """Record the attempt and the message's new state from a send's result."""
    now = timezone.now()
    DeliveryAttempt.objects.create(
        message=message,
        channel_id=message.channel_id,
        at=now,
        ok=result.ok,
        http_status=result.http_status,
        error_code=result.code[:40] if not result.ok else "",
        error_message=result.message[:500] if not result.ok else "",
    )
    attempts = OutboxMessage.objects.filter(pk=message.pk).values_list("attempts", flat=True)[0]
    if result.ok:
        values = {"status": Status.SENT, "sent_at": now, "error_code": "", "error_message": ""}
    elif result.retry and attempts < max_attempts:
        wait = max(backoff(attempts), dt.timedelta(seconds=result.throttle_seconds))
        values = {"status": Status.PENDING, "next_attempt_at": now + wait}
    else:
        values = {"status": Status.FAILED}
    if not result.ok:
        values.update(error_code=result.code[:40], error_message=result.message[:500])
        logger.warning(
            "Message %s to %s not delivered (attempt %s): %s %s",
            message.pk,
            f"channel {message.channel_id}" if message.channel_id else "e-mail",
            attempts,
            result.code,
            result.message,
        )
    OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(**values)
    return values["status"]


# --- E-mail ---------------------------------------------------------------------------------


def deliver_email(*, only: list[int] | None = None) -> int:
    due = OutboxMessage.objects.filter(
        status=Status.PENDING, channel__isnull=True, next_attempt_at__lte=timezone.now()
    )
    if only is not None:
        due = due.filter(pk__in=only)
    ids = list(due.order_by("id").values_list("id", flat=True)[:BATCH])
    if not ids:
        return 0
    max_attempts = NotificationSettings.current().max_attempts
    sent = 0
    connection = None
    try:
        for message_id in ids:
            if not _claim(message_id):
                continue
            message = OutboxMessage.objects.select_related("recipient").get(pk=message_id)
            if connection is None:
                connection = get_connection(fail_silently=False)
            result = _send_email(message, connection)
            if not result.ok:
                _close(connection)
                connection = None
            if _finish(message, result, max_attempts=max_attempts) == Status.SENT:
                sent += 1
    finally:
        _close(connection)
    return sent


def _close(connection) -> None:
    if connection is not None:
        try:
            connection.close()
        except Exception:
            logger.debug("Closing the mail connection failed", exc_info=True)


def _send_email(message: OutboxMessage, connection) -> senders.Result:
    recipient = message.recipient
    if recipient is None or not recipient.email or not recipient.is_active:
        return senders.Result(False, code="no_address", message="The recipient has no e-mail.")
    email = EmailMultiAlternatives(
        subject=f"[CQMS] {message.subject}",
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        connection=connection,
        headers={"Message-ID": message.message_id, "Auto-Submitted": "auto-generated"},
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    try:
        email.send()
    except smtplib.SMTPResponseException as error:
        permanent = 500 <= error.smtp_code < 600
        return senders.Result(
            False, retry=not permanent, code=str(error.smtp_code), message=_smtp_text(error)
        )
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        permanent = all(500 <= code < 600 for code in codes)
        return senders.Result(
            False, retry=not permanent, code=str(codes[0] if codes else ""), message=str(error)
        )
    except (smtplib.SMTPException, OSError) as error:
        return senders.Result(False, retry=True, code="network", message=str(error)[:500])
    return senders.Result(True, code="250")


def _smtp_text(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return str(text)[:500]


# --- Group bots -----------------------------------------------------------------------------


def _acquire(channel_id: int, token: str) -> bool:
    """Take the channel's lease if it is free or expired. An expired lease was held by a
    worker that stopped renewing it (died): its "sending" messages are waiting again."""
    now = timezone.now()
    state, _created = ChannelState.objects.get_or_create(channel_id=channel_id)
    if state.lease_until is not None and state.lease_until >= now:
        return False
    taken = (
        ChannelState.objects.filter(
            channel_id=channel_id, lease_token=state.lease_token, lease_until=state.lease_until
        ).update(lease_token=token, lease_until=now + LEASE)
        == 1
    )
    if taken and state.lease_token:
        left = OutboxMessage.objects.filter(channel_id=channel_id, status=Status.SENDING).update(
            status=Status.PENDING, next_attempt_at=now
        )
        logger.warning(
            "Channel %s: took over the lease of a stopped sender (expired %s); %s messages "
            "it was sending are sent again",
            channel_id,
            state.lease_until,
            left,
        )
    return taken


def _renew(channel_id: int, token: str) -> bool:
    """Extend our lease; False if it expired and another worker took the channel over."""
    return (
        ChannelState.objects.filter(channel_id=channel_id, lease_token=token).update(
            lease_until=timezone.now() + LEASE
        )
        == 1
    )


class _Lease:
    """Our lease on a channel while we send: renewed every `RENEW_AFTER`."""

    def __init__(self, channel_id: int, token: str):
        self.channel_id, self.token = channel_id, token
        self.renewed = time.monotonic()

    def keep(self) -> bool:
        if time.monotonic() - self.renewed < RENEW_AFTER.total_seconds():
            return True
        if not _renew(self.channel_id, self.token):
            logger.warning("Channel %s: lease lost to another sender; stopping", self.channel_id)
            return False
        self.renewed = time.monotonic()
        return True


def _release(channel_id: int, token: str) -> None:
    ChannelState.objects.filter(channel_id=channel_id, lease_token=token).update(
        lease_token="", lease_until=None
    )


def _attempts_since(channel_id: int, since: dt.datetime) -> list[dt.datetime]:
    return list(
        DeliveryAttempt.objects.filter(channel_id=channel_id, at__gt=since)
        .order_by("at")
        .values_list("at", flat=True)
    )


def deliver_channel(channel_id: int, *, only: list[int] | None = None) -> int:
    """Send a channel's due messages within its limits; returns how many were delivered.
    Another worker holding the channel's lease sends them instead."""
    token = uuid.uuid4().hex
    if not _acquire(channel_id, token):
        return 0
    lease = _Lease(channel_id, token)
    started = time.monotonic()
    sent = 0
    try:
        channel = Channel.objects.get(pk=channel_id)
        state = ChannelState.objects.get(channel_id=channel_id)
        max_attempts = NotificationSettings.current().max_attempts
        if not channel.is_active:
            _give_up_inactive(channel, only)
            return 0
        if state.paused_until and state.paused_until > timezone.now():
            return 0
        while time.monotonic() - started < RUN_LIMIT.total_seconds() and lease.keep():
            now = timezone.now()
            due = OutboxMessage.objects.filter(
                channel_id=channel_id, status=Status.PENDING, next_attempt_at__lte=now
            )
            if only is not None:
                due = due.filter(pk__in=only)
            messages = list(due.order_by("id")[:BATCH])
            if not messages:
                break
            recent = _attempts_since(channel_id, now - WINDOW)
            capacity = channel.per_minute - len(recent)
            if capacity <= 0:
                free_at = recent[0] + WINDOW if recent else now
                if len(messages) > 1:
                    merge(channel, messages, next_attempt_at=free_at)
                else:
                    _postpone(messages, free_at)
                break
            if len(messages) > capacity:
                keep = messages[: capacity - 1]
                digest = merge(channel, messages[capacity - 1 :], next_attempt_at=now)
                messages = [*keep, digest] if digest is not None else keep
            stop = False
            for message in messages:
                if not _per_second_room(channel):
                    _postpone(
                        [m for m in messages if m.pk >= message.pk], now + dt.timedelta(seconds=1)
                    )
                    stop = True
                    break
                if not lease.keep():
                    stop = True
                    break
                outcome = _send_post(channel, message, max_attempts=max_attempts)
                if outcome is None:
                    continue
                status, result = outcome
                if status == Status.SENT:
                    sent += 1
                elif result.throttle_seconds:
                    until = timezone.now() + dt.timedelta(seconds=result.throttle_seconds)
                    ChannelState.objects.filter(channel_id=channel_id).update(paused_until=until)
                    _postpone([m for m in messages if m.pk > message.pk], until)
                    stop = True
                    break
            if stop or only is not None:
                break
    finally:
        _release(channel_id, token)
    return sent


def _per_second_room(channel: Channel) -> bool:
    """Wait (at most a second) until the channel may send again within its per-second limit."""
    if not channel.per_second:
        return True
    for _try in range(2):
        now = timezone.now()
        recent = _attempts_since(channel.pk, now - dt.timedelta(seconds=1))
        if len(recent) < channel.per_second:
            return True
        wait = (recent[0] + dt.timedelta(seconds=1) - now).total_seconds()
        time.sleep(min(max(wait, 0.05), 1.0))
    return False


def _postpone(messages, when: dt.datetime) -> None:
    OutboxMessage.objects.filter(
        pk__in=[m.pk for m in messages], status=Status.PENDING, next_attempt_at__lt=when
    ).update(next_attempt_at=when)


def _send_post(channel: Channel, message: OutboxMessage, *, max_attempts: int):
    if not _claim(message.pk):
        return None
    message.refresh_from_db()
    try:
        payload = senders.build_payload(channel, message)
    except Exception:  # a message we cannot build would block the channel: give it up
        logger.exception("Message %s for channel %s could not be built", message.pk, channel.pk)
        result = senders.Result(False, code="build", message="The message could not be built.")
        return _finish(message, result, max_attempts=max_attempts), result
    result = senders.post(channel, payload, message_id=message.message_id)
    return _finish(message, result, max_attempts=max_attempts), result


def _give_up_inactive(channel: Channel, only) -> None:
    due = OutboxMessage.objects.filter(channel=channel, status=Status.PENDING)
    if only is not None:
        due = due.filter(pk__in=only)
    with translation.override(channel.language):
        text = _("The channel is switched off.")
    due.update(status=Status.FAILED, error_code="inactive", error_message=text)


def merge(
    channel: Channel, messages: list[OutboxMessage], *, next_attempt_at
) -> OutboxMessage | None:
    """Replace waiting messages by one summary listing them (each with its link)."""
    if not messages:
        return None
    with transaction.atomic():
        digest = OutboxMessage.objects.create(
            channel=channel,
            key=f"summary:{uuid.uuid4().hex}",
            event="summary",
            language=channel.language,
            subject="",
            next_attempt_at=next_attempt_at,
        )
        taken = OutboxMessage.objects.filter(
            pk__in=[m.pk for m in messages], status=Status.PENDING
        ).update(status=Status.MERGED, merged_into=digest)
        if taken == 0:
            transaction.set_rollback(True)
            return None
        items, mentions, seen = [], [], set()
        for merged in OutboxMessage.objects.filter(merged_into=digest).order_by("id"):
            items.extend(merged.items or [{"title": merged.subject, "url": merged.url}])
            for mention in merged.mentions or []:
                marker = tuple(sorted(mention.items()))
                if marker not in seen:
                    seen.add(marker)
                    mentions.append(mention)
        with translation.override(channel.language):
            subject = _("CQMS: %(count)s notifications") % {"count": len(items)}
        digest.subject = subject
        digest.items = items
        digest.mentions = mentions
        digest.save(update_fields=["subject", "items", "mentions"])
    return digest
