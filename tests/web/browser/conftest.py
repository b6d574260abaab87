"""Browser tests: the app served by uvicorn in a thread (background dispatcher on, a real SQLite
file that commits) and Debian's Chromium driven by Playwright. Chromium comes from the system
(``make chromium``), never from a Playwright download; under CI a missing one fails the run."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import sync_playwright

from shijing.core.clock import SystemClock
from shijing.core.db import Database
from shijing.core.settings import Settings
from shijing.migrations import upgrade
from shijing.web.app import create_app
from tests.conftest import IN_CI
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, url: str, db: Database, clock: SystemClock) -> None:
        self.url = url
        self.db = db
        self.clock = clock


def sign_in(page: Any, server: LiveServer, email: str, next_path: str = "/") -> None:
    """Sign in through the login form and wait to be back on ``next_path``."""
    page.goto(f"{server.url}/login?next={next_path}")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{server.url}{next_path}")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The whole app on a free port, the dispatcher running in-process as in production."""
    path = tmp_path_factory.mktemp("browser") / "shijing.sqlite"
    db = Database.from_url(f"sqlite:///{path}")
    upgrade(db.engine)
    clock = SystemClock()
    settings = Settings(environment="test", secret_key="browser-test-secret-0123456789")
    app = create_app(settings, db=db, clock=clock, background=True)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        time.sleep(0.025)
    assert server.started, "uvicorn did not start"
    yield LiveServer(f"http://127.0.0.1:{port}", db, clock)
    server.should_exit = True
    thread.join(15)
    db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        # launch() gives every run a fresh, temporary user-data dir of its own
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def screenshot() -> Any:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
