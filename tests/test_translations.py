"""Every page and message exists in Simplified Chinese: the catalogue is complete and current."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = [
    ROOT / "cqms" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po",
    ROOT / "cqms" / "locale_thirdparty" / "zh_Hans" / "LC_MESSAGES" / "django.po",
]


def msgids(po: Path) -> set[str]:
    """The catalogue's msgids, each with its context ("context\x04msgid") if it has one."""
    text = po.read_text(encoding="utf-8")
    ids = set()
    for context, block in re.findall(
        r'^(?:msgctxt "(.*)"\n)?msgid ((?:".*"\n)+)', text, flags=re.MULTILINE
    ):
        msgid = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))
        ids.add(f"{context}\x04{msgid}" if context else msgid)
    return ids - {""}


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parent.parent.parent.name)
def test_every_message_is_translated_and_none_is_fuzzy(po):
    for option in ("--untranslated", "--only-fuzzy"):
        result = subprocess.run(
            ["msgattrib", option, "--no-wrap", str(po)], capture_output=True, text=True, check=True
        )
        entries = [e for e in result.stdout.split("\n\n") if 'msgid ""\nmsgstr ""' not in e]
        assert not [e for e in entries if e.strip()], f"{option} entries in {po.name}"


@pytest.mark.slow
def test_the_catalogue_contains_every_string_of_the_code(tmp_path):
    copy = tmp_path / "cqms"
    shutil.copytree(ROOT / "cqms", copy, ignore=shutil.ignore_patterns("vendor", "__pycache__"))
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--no-location",
            "--ignore",
            "static/*",
            "-v0",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = msgids(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    current = msgids(CATALOGUES[0])
    assert fresh - current == set(), "run `make makemessages` and translate the new strings"
    assert current - fresh == set(), "run `make makemessages` to drop strings no longer used"


@pytest.mark.django_db
def test_filter_labels_stay_chinese_after_the_api_schema_was_drawn_in_english(make_user, client):
    """The schema reads every filter set's filters; that must not fix their labels in the
    language of that one request (it made 'Severity' and 'Grade' English for everybody)."""
    client.force_login(make_user("qm.li", roles=["quality_manager"], department="quality"))
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT_LANGUAGE="en")
    assert schema.status_code == 200 and schema["Content-Language"] == "en"
    for url, labels in (
        ("/complaints/", ["紧急程度", "客户", "负责人"]),
        ("/customers/", ["客户分类", "等级", "行业", "文件语言"]),
    ):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
        for label in labels:
            assert f">{label}</label>" in html, (url, label)
        assert ">Severity</label>" not in html and ">Grade</label>" not in html


# The keywords makemessages passes to xgettext; a string marked under another name (an alias
# such as `gettext as _g`) never reaches the catalogue and shows in English.
KEYWORDS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext"}
KEYWORDS |= {"pgettext_lazy", "npgettext", "npgettext_lazy", "gettext_noop"}


def test_translation_functions_are_imported_under_names_makemessages_reads():
    aliased = re.compile(r"from django\.utils\.translation import .*\b\w*gettext\w* as (\w+)")
    wrong = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "cqms").rglob("*.py")
        for name in aliased.findall(path.read_text(encoding="utf-8"))
        if name not in KEYWORDS
    ]
    assert wrong == []


# --- Every message the notification engine sends, in the recipient's language ----------------

# What the publishers pass (see their publish() calls); an event registered without an entry
# here fails the test below, so a new message cannot escape it.
EVENT_CONTEXTS = {
    "assigned": {"step": "D3"},
    "mentioned": {},
    "step_completed": {"step": "D3"},
    "approval_requested": {"flow": "FLOW", "record": "RECORD", "node": "NODE"},
    "approval_decided": {"flow": "FLOW", "record": "RECORD", "status": "approved"},
    "approval_urged": {"flow": "FLOW", "record": "RECORD", "node": "NODE", "comment": "NOTE"},
    "approval_copied": {"flow": "FLOW", "record": "RECORD", "node": "NODE"},
    "approval_withdrawn": {"flow": "FLOW", "record": "RECORD", "comment": "NOTE"},
    "approval_returned": {"flow": "FLOW", "record": "RECORD", "node": "NODE", "comment": "NOTE"},
    "signature_locked_out": {"user": "PERSON", "username": "PERSON"},
    "answer_sent": {"version": 2},
    "customer_answered": {"accepted": True, "reason": "", "number": "RECORD"},
    "escalated": {},  # a major complaint: the managers are told at once, without a clock
    "audit_anchor": {
        "seq": 7,
        "entry_id": 42,
        "hash": "0f" * 32,
        "at": "2026-10-12T08:00:00+08:00",
        "reason": "backup",
    },
}
# Reminders, missed deadlines, escalations and the digest come from the sweep on real clocks.
SWEPT = {"deadline_approaching", "deadline_missed", "escalated", "daily_digest"}
ALLOWED_LATIN = {"CQMS"}  # the product's name stays as it is


def foreign_words(text: str, language: str, data: list[str]) -> list[str]:
    """Words of the other language in `text`, once the record's data (numbers, names) and the
    links are taken out."""
    from django.utils.html import strip_tags

    text = strip_tags(text)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"KS\d{4}-\d{4}(-\d+)?", " ", text)
    if language == "en":
        return re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED_LATIN]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_notification_reads_wholly_in_the_recipients_language(make_user, language):
    import datetime as dt

    from django.db import transaction
    from django.utils import translation

    from cqms.complaints.tests.factories import at, register
    from cqms.customers.tests.factories import make_customer
    from cqms.notifications import events, services, sweep
    from cqms.notifications.models import Notification, OutboxMessage
    from cqms.notifications.tests.factories import make_channel
    from cqms.organisation.models import Department, User

    def person(username, role, department):
        return make_user(username, roles=[role], department=department, language=language)

    admin = person("admin.wang", "administrator", "gm_office")
    sales = person("sales.zhou", "salesperson", "sales")
    head = person("qm.li", "quality_manager", "quality")
    Department.objects.filter(code="quality").update(head=head)
    person("mr.zhao", "management_representative", "gm_office")
    person("gm.chen", "general_manager", "gm_office")
    make_channel(
        admin,
        "wecom",
        "http://127.0.0.1:9/cgi-bin/webhook/send?key=k",
        events=[event.code for event in events.channel_events()],
        language=language,
    )
    customer = make_customer(admin, "C100", owner=sales)
    complaint = register(sales, customer, owner=head)
    register(sales, customer, owner=head, severity="urgent", major=True)

    assert {e.code for e in events.all_events()} <= set(EVENT_CONTEXTS) | SWEPT
    with transaction.atomic():
        for code, context in EVENT_CONTEXTS.items():
            services.publish(code, recipients=[head], record=complaint, context=context)
    received = complaint.received_at
    for days in (0.1, 0.3, 0.5, 1, 2, 3, 5, 8, 13, 21, 34, 55, 90):
        sweep.sweep(now=received + dt.timedelta(days=days))
    sweep.daily_digest(at(2026, 10, 12).date())
    with translation.override(language):
        test_message = events.render_test(None, {"name": "CHANNEL"})

    sent = {n.event for n in Notification.objects.all()}
    assert SWEPT | set(EVENT_CONTEXTS) <= sent
    data = ["FLOW", "RECORD", "NODE", "NOTE", "PERSON", "CHANNEL", "backup", customer.name]
    data += [str(u) for u in User.objects.all()] + [u.username for u in User.objects.all()]
    texts = [(n.event, n.title + "\n" + n.body) for n in Notification.objects.all()]
    texts += [(m.event, f"{m.subject}\n{m.body}\n{m.html}") for m in OutboxMessage.objects.all()]
    texts.append(("test_message", "\n".join(test_message)))
    wrong = {
        event: words for event, text in texts if (words := foreign_words(text, language, data))
    }
    assert wrong == {}
