"""Settings come from the environment; production refuses unsafe values; README lists them all."""

import os
import re
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production(**extra):
    return {
        "CQMS_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "CQMS_AUDIT_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "cqms.example.com",
        "CQMS_PUBLIC_URL": "https://cqms.example.com",
        **extra,
    }


@pytest.mark.slow
def test_production_refuses_debug_and_default_secrets():
    debug = manage("check", **production(DEBUG="1"))
    assert debug.returncode != 0 and "DEBUG is on" in debug.stderr
    env = production()
    del env["SECRET_KEY"]
    no_key = manage("check", **env)
    assert no_key.returncode != 0 and "SECRET_KEY" in no_key.stderr
    weak = manage("check", **production(SECRET_KEY="django-insecure-" + "x" * 60))
    assert weak.returncode != 0 and "SECRET_KEY" in weak.stderr
    env = production()
    del env["CQMS_AUDIT_KEY"]
    assert "CQMS_AUDIT_KEY" in manage("check", **env).stderr


@pytest.mark.slow
def test_production_settings_pass_the_deployment_check(tmp_path):
    # An empty SQLite database: the start-up checks compare the audit key with the trail and
    # the database role's rights with the audit table (both have tests of their own).
    env = production(CQMS_DATA_DIR=str(tmp_path), DATABASE_URL="")
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_bad_boolean_is_refused_with_its_name():
    from django.core.exceptions import ImproperlyConfigured

    from cqms.settings import env_bool

    os.environ["CQMS_TEST_FLAG"] = "maybe"
    try:
        with pytest.raises(ImproperlyConfigured, match="CQMS_TEST_FLAG"):
            env_bool("CQMS_TEST_FLAG")
    finally:
        del os.environ["CQMS_TEST_FLAG"]


def test_readme_documents_exactly_the_variables_settings_read():
    source = (ROOT / "cqms" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|list|secret)\(\s*"([A-Z0-9_]+)"', source))
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- configuration-table")[1].split("<!-- end of configuration-table")[0]
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", table, flags=re.MULTILINE))
    assert read - documented == set(), "document these variables in README.md"
    assert documented - read == set(), "README.md documents variables settings.py does not read"


def test_postgresql_statements_are_prepared_unless_turned_off():
    show = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    url = "postgres://cqms@db.example.com:5432/cqms"
    prepared = manage("shell", "-c", show, DATABASE_URL=url)
    assert "'server_side_binding': True, 'prepare_threshold': 2" in prepared.stdout, prepared.stderr
    off = manage("shell", "-c", show, DATABASE_URL=url, CQMS_DB_PREPARE="0")
    assert "'prepare_threshold': None" in off.stdout, off.stderr


@pytest.mark.django_db
def test_a_repeated_statement_is_planned_once_per_connection():
    from django.db import connection

    from cqms.organisation.models import User

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for _ in range(3):
        list(User.objects.filter(username="nobody-prepared"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("nobody-prepared" not in s and "organisation_user" in s for s in prepared)


def public_url(**env) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CQMS_")}
    environment.update(env)
    code = "from django.conf import settings; print(settings.PUBLIC_URL, settings.ALLOWED_HOSTS)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_links_point_where_make_run_serves_unless_a_public_url_is_set(tmp_path):
    data = str(tmp_path)
    assert public_url(CQMS_DATA_DIR=data).startswith("http://127.0.0.1:8000 ")
    assert public_url(CQMS_DATA_DIR=data, CQMS_BIND="127.0.0.1:8765").startswith(
        "http://127.0.0.1:8765 "
    )
    anywhere = public_url(CQMS_DATA_DIR=data, CQMS_BIND="0.0.0.0:9000")
    assert anywhere.startswith(f"http://{socket.gethostname()}:9000 ")
    assert f"'{socket.gethostname()}'" in anywhere  # and that host is allowed
    configured = public_url(
        CQMS_DATA_DIR=data, CQMS_BIND="0.0.0.0:9000", CQMS_PUBLIC_URL="https://q.example.com/"
    )
    assert configured.startswith("https://q.example.com ")
