"""Stored files compared with the digest taken at upload (core.files)."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from cqms.core import files

CONTENT = b"%PDF-1.4\nmeasurement report\n"


class Stored:
    """A stored file as the file fields of our models give it."""

    def __init__(self, name):
        self.name, self.storage = name, default_storage

    def __bool__(self):
        return bool(self.name)


@pytest.fixture
def stored():
    name = default_storage.save("checks/report.pdf", ContentFile(CONTENT))
    return Stored(name), files.hashlib.sha256(CONTENT).hexdigest()


def test_a_file_with_its_upload_digest_is_ok(stored):
    field, digest = stored
    assert files.file_state(field, digest, size=len(CONTENT)) == files.OK
    assert files.file_state(field, digest, size=len(CONTENT), quick=True) == files.OK
    assert files.stored_sha256(field) == digest


def test_same_size_new_bytes_are_found_also_by_the_quick_check(stored):
    field, digest = stored
    assert files.file_state(field, digest, quick=True) == files.OK  # just written: never remembered
    Path(default_storage.path(field.name)).write_bytes(CONTENT.replace(b"report", b"REPORT"))
    assert files.file_state(field, digest, size=len(CONTENT), quick=True) == files.CHANGED
    assert files.file_state(field, digest, size=len(CONTENT)) == files.CHANGED


def test_another_size_is_changed_and_a_lost_file_missing(stored):
    field, digest = stored
    assert files.file_state(field, digest, size=len(CONTENT) + 1) == files.CHANGED
    default_storage.delete(field.name)
    assert files.file_state(field, digest) == files.MISSING
    assert files.stored_sha256(field) is None
