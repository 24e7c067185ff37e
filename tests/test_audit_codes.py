"""Every audit action the code writes has a sentence for the history pages."""

import re
from pathlib import Path

from cqms.audit import codes

ROOT = Path(__file__).resolve().parent.parent / "cqms"
# action="app.code" keywords, and codes passed positionally to audit.record(record, "app.code")
WRITTEN = re.compile(r'(?:action=|audit\.record\(\s*\w+,\s*)"([a-z_]+\.[a-z_]+)"')


def test_every_action_written_in_the_code_is_registered():
    found = {
        code
        for path in ROOT.rglob("*.py")
        if "tests" not in path.parts
        for code in WRITTEN.findall(path.read_text(encoding="utf-8"))
    }
    assert "complaints.acknowledged" in found  # the scan sees the code
    assert {code for code in found if not codes.known(code)} == set()
