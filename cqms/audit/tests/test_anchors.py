"""The chain head anchored outside the database: a cut tail with the head moved back is found."""

import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cqms.audit import anchors, guard
from cqms.audit.models import AuditEntry
from cqms.audit.verify import verify_chain
from cqms.customers import services
from cqms.customers.models import Customer

pytestmark = pytest.mark.django_db


def cut_tail_and_move_head_back(keep_up_to: AuditEntry) -> None:
    """What the database's own user can do: remove the trigger, the entries, and rewind."""
    guard.WRITABLE = False
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DROP TRIGGER audit_entry_no_delete")
            else:
                # The test's own transaction still holds deferred foreign key checks.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(
                    "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only"
                )
            cursor.execute("DELETE FROM audit_auditentry WHERE id > %s", [keep_up_to.pk])
            cursor.execute(
                "UPDATE audit_chainhead SET last_id = %s, last_hash = %s",
                [keep_up_to.pk, keep_up_to.hash],
            )
    finally:
        guard.WRITABLE = True


def anchor_lines() -> list[dict]:
    return [json.loads(line) for line in settings.AUDIT_ANCHOR_FILE.read_text().splitlines()]


def test_a_cut_tail_with_the_head_moved_back_is_reported_as_truncation(trail, capsys):
    anchors.scheduled_anchor()
    cut_tail_and_move_head_back(trail[-3])

    # The chain alone looks intact: that is the gap the anchors close.
    assert verify_chain(anchor_path=settings.AUDIT_ANCHOR_FILE.with_name("none")).ok
    with pytest.raises(CommandError, match="1 problem"):
        call_command("audit_verify")
    error = capsys.readouterr().err
    assert "anchors: truncated: the trail ends at entry" in error
    assert f"names entry {trail[-1].pk}" in error
    assert [p.kind for p in verify_chain().problems] == ["truncated"]


def test_the_worker_anchors_only_when_the_trail_grew(trail, make_user):
    assert anchors.scheduled_anchor() == f"anchored entry {trail[-1].pk}"
    assert anchors.scheduled_anchor() == "unchanged"
    manager = make_user("wang.fang", roles=["sales_manager"])
    services.update_customer(
        Customer.objects.get(code="T1"),
        {"name": "名称五"},
        actor=manager,
        expected_version=4,
    )
    newest = AuditEntry.objects.order_by("-id").first()
    assert anchors.scheduled_anchor() == f"anchored entry {newest.pk}"
    assert [(line["seq"], line["entry_id"]) for line in anchor_lines()] == [
        (1, trail[-1].pk),
        (2, newest.pk),
    ]
    call_command("audit_verify")


def test_an_altered_or_removed_anchor_line_is_reported(trail):
    path = settings.AUDIT_ANCHOR_FILE
    anchors.write_anchor()
    anchors.record_restore("first")
    anchors.record_restore("second")
    lines = path.read_text().splitlines()
    forged = json.loads(lines[0])
    forged["entry_id"] = trail[0].pk
    path.write_text("\n".join([json.dumps(forged), lines[2]]) + "\n")
    details = [p.detail for p in verify_chain().problems]
    assert any("line 1 (anchor 1) fails its HMAC" in d for d in details)
    assert any("anchor 3 where 1 was expected" in d for d in details)


def test_a_recorded_restore_turns_the_lost_entries_into_a_note(trail, capsys):
    anchors.write_anchor()
    cut_tail_and_move_head_back(trail[-3])  # as restoring an older backup does
    call_command("audit_anchor", "--restored", "backup of last night, disk failure")
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "backup of last night, disk failure" in out
    assert f"set back to entry {trail[-3].pk}" in out and "the chain is intact" in out


def test_the_anchor_is_posted_to_a_subscribed_group_bot(trail, make_user):
    from cqms.notifications.models import OutboxMessage
    from cqms.notifications.tests.factories import make_channel

    admin = make_user("admin.li", roles=["administrator"])
    make_channel(admin, "wecom", "https://qyapi.weixin.qq.com/x", events=["audit_anchor"])
    anchor, _new = anchors.write_anchor()
    post = OutboxMessage.objects.get(event="audit_anchor")
    assert anchor["hash"] in post.body and post.channel is not None


def test_the_worker_schedule_exists_after_migrate():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name=anchors.SCHEDULE_NAME)
    assert schedule.func == "cqms.audit.anchors.scheduled_anchor" and schedule.minutes == 10
