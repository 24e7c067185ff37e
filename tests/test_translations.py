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
    text = po.read_text(encoding="utf-8")
    ids = set()
    for block in re.findall(r'^msgid ((?:".*"\n)+)', text, flags=re.MULTILINE):
        ids.add("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block)))
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
