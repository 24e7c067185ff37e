"""Refresh the screenshots of the user guide from the demo data.

    .venv/bin/python docs/screenshots.py [--chromium /usr/bin/chromium]

Loads the demo into a new SQLite database in a temporary data folder, starts `manage.py
runserver` on a free local port, and takes with Chromium (Playwright) the register at laptop
(1366 px) and phone (390 px) width, a complaint page and an approval on a phone, into
docs/images/. Nothing of the developer's own data folder or database is touched.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
PASSWORD = "Demo-Pass-2026"  # noqa: S105  (the demo's, printed by `manage.py demo`)
MAX_BYTES = 300_000  # keep the repository small: a larger image is reported
LAPTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, server: subprocess.Popen, seconds: int = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("runserver stopped before answering")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310  (our own local server)
            return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"no answer from {url}")


def log_in(context, base: str, username: str):
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def shoot(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    path = IMAGES / name
    page.screenshot(path=path)
    size = path.stat().st_size
    print(
        f"{path.relative_to(ROOT)}: {size // 1000} kB{'  (too large)' if size > MAX_BYTES else ''}"
    )


def take(base: str, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    IMAGES.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        laptop = browser.new_context(locale="zh-CN", viewport=LAPTOP)
        page = log_in(laptop, base, "qm")
        page.goto(f"{base}/complaints/")
        shoot(page, "register-1366.png")
        page.locator("a[href^='/complaints/KS']").first.click()
        page.wait_for_url(re.compile(r"/complaints/KS[^/]+/$"))
        shoot(page, "complaint.png")

        phone = browser.new_context(
            locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1
        )
        page = log_in(phone, base, "qm")
        page.goto(f"{base}/complaints/")
        shoot(page, "register-390.png")
        page.goto(f"{base}/approvals/")
        page.locator("a[href^='/approvals/tasks/']").first.click()
        page.wait_for_url(re.compile(r"/approvals/tasks/\d+/$"))
        shoot(page, "approval-phone.png")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=os.environ.get("CQMS_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cqms-screenshots-") as data:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(CQMS_DATA_DIR=data, PYTHONUNBUFFERED="1")
        manage = [sys.executable, str(ROOT / "manage.py")]
        for command in (["migrate", "--no-input", "-v0"], ["demo"]):
            subprocess.run(  # noqa: S603  (our own manage.py)
                [*manage, *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
            )
        port = free_port()
        env["CQMS_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603  (our own manage.py)
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/healthz/", server)
            take(base, args.chromium)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
