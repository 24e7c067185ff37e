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
