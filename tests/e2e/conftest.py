"""A real desk server on a free loopback port, and headless Debian Chromium driven by
Playwright (its bundled driver, pointed at /usr/bin/chromium; no browser download).

Without Chromium the browser tests are skipped — unless CHIPCOMPLY_REQUIRE_BROWSER=1 (set
by .ci/run), where absence is a failure. Screenshots go to test-artifacts/e2e/.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("CHIPCOMPLY_HOME", tempfile.mkdtemp(prefix="chipcomply-e2e-"))

from chipcomply.reports import CHROMIUM_FLAGS, chromium_path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, db: str) -> None:
        import uvicorn

        from chipcomply.api.app import create_app
        from chipcomply.service import SYSTEM, Desk
        from chipcomply.store import Store

        self.desk = Desk(Store(db))
        self.admin_key = self.desk.create_key(SYSTEM, "admin", "E2E Admin")["key"]
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(desk=self.desk), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                return
            time.sleep(0.05)
        raise RuntimeError("desk server did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'desk.sqlite3'}")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    exe = chromium_path()
    if exe is None:
        if os.environ.get("CHIPCOMPLY_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium not found and CHIPCOMPLY_REQUIRE_BROWSER=1")
        pytest.skip("Chromium not installed")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    profile = tmp_path_factory.mktemp("chromium-profile")
    flags = [f for f in CHROMIUM_FLAGS if f not in ("--headless", "--no-pdf-header-footer")]
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=exe,
            headless=True,
            chromium_sandbox=False,
            args=flags,
            viewport={"width": 1360, "height": 900},
            accept_downloads=True,
        )
        yield ctx
        ctx.close()


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    p = browser_context.new_page()
    p.set_default_timeout(60_000)
    yield p
    p.close()


def shot(page: Any, name: str, full_page: bool = False) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
