"""Browser-test harness: a real ``chainlit run app.py`` and Debian's Chromium via Playwright.

Every server gets its own data dir (embedded Redis, users file, chat history, outbox) and a free
loopback port. Models default to ``scripted`` (deterministic, zero latency); a test can ask for
the real local model. A missing ``/usr/bin/chromium`` FAILS the tests: browsers cannot be
downloaded here, and a skipped browser suite would hide a broken workspace.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from graph.workspace.users import UserStore
from tools.redis_server import EmbeddedRedis

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
expect.set_options(timeout=30_000)
USERS: dict[str, str] = {"ana": "editor", "paula": "approver", "vera": "viewer", "bob": "editor"}
"""Users every test server knows; each one's password is ``<name>-password``."""
SCRIPTED_MODELS = {
    "BRANDLOOM_MODEL_ROUTER": "scripted",
    "BRANDLOOM_MODEL_WRITER": "scripted",
    "BRANDLOOM_MODEL_CRITIC": "scripted",
}


def password_of(name: str) -> str:
    return f"{name}-password"


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class WorkspaceServer:
    """One ``chainlit run app.py`` subprocess; ``restart`` keeps the data dir."""

    data_dir: Path
    models: dict[str, str] = field(default_factory=lambda: dict(SCRIPTED_MODELS))
    """Environment overrides: model ids per role and any other ``BRANDLOOM_*`` setting."""
    port: int = field(default_factory=free_loopback_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """The server's output, kept with the screenshots."""
        ARTIFACTS.mkdir(exist_ok=True)
        return ARTIFACTS / f"chainlit-{self.port}.log"

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
        env.update(self.models)
        env.update(
            BRANDLOOM_DATA_DIR=str(self.data_dir),
            CHAINLIT_AUTH_SECRET=_SESSION_SECRET,
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self) -> None:
        chainlit = Path(sys.executable).with_name("chainlit")
        command = [str(chainlit), "run", "app.py", "--headless", "--host", "127.0.0.1"]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            cwd=REPO,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()

    def _wait_until_up(self, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                pytest.fail(f"chainlit exited early:\n{self.log_text()[-4000:]}")
            try:
                if httpx.get(f"{self.url}/project/settings", timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        pytest.fail(f"chainlit did not answer within {timeout_s}s:\n{self.log_text()[-4000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def restart(self) -> None:
        """Restart the app only; its embedded Redis keeps running, as in production."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop the app and the embedded Redis it started (daemonized, it outlives the app)."""
        try:
            self.stop()
        finally:
            EmbeddedRedis(self.data_dir / "redis").stop()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def outbox_files(self) -> list[Path]:
        return sorted(path for path in self.data_dir.rglob("outbox/**/*") if path.is_file())


_SESSION_SECRET = secrets.token_urlsafe(32)


def make_server(data_dir: Path, **env: str) -> WorkspaceServer:
    """A started server whose users file holds ``USERS``; ``env`` overrides settings."""
    store = UserStore(data_dir / "users.json")
    for name, role in USERS.items():
        store.add(name, role, password_of(name))
    server = WorkspaceServer(data_dir=data_dir, models={**SCRIPTED_MODELS, **env})
    try:
        server.start()
    except BaseException:
        server.close()
        raise
    return server


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[WorkspaceServer]:
    """A fresh workspace server with scripted models."""
    server = make_server(tmp_path / "data")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="package")
def playwright_session() -> Iterator[Playwright]:
    """Package scope, not session: Playwright's sync API keeps an event loop running in this
    thread, so it must be gone before the suite's asyncio tests start."""
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless. Missing: the test fails (never skips)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    browser = playwright_session.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[object]:
    """Factory of pages in fresh browser contexts (one per user); closed after the test."""
    contexts = []

    def open_page(*, welcome_guide: bool = False) -> Page:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(20_000)
        if not welcome_guide:  # a returning user: the first-visit guide was seen already
            context.add_init_script("window.localStorage.setItem('brandloom.welcomed', '1')")
        contexts.append(context)
        return context.new_page()

    yield open_page
    for index, context in enumerate(contexts):
        for page_index, page in enumerate(context.pages):
            screenshot(page, request.node.name, f"final-{index}-{page_index}")
        context.close()


def screenshot(page: Page, test_name: str, label: str) -> Path:
    """Save a full-page PNG to ``test-artifacts/<test>-<label>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{test_name}-{label}")
    path = ARTIFACTS / f"{safe}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # a closed page must not hide the test's own failure
        print(f"screenshot {path.name} failed: {error}")
    return path


def sign_in(page: Page, server: WorkspaceServer, name: str, password: str | None = None) -> None:
    """Sign in through the login form and wait for the chat composer."""
    page.goto(f"{server.url}/login")
    page.fill("#email", name)
    page.fill("#password", password if password is not None else password_of(name))
    page.click("button[type=submit]")
    expect(page.locator("#chat-input")).to_be_visible()
    wait_for_session(page)


def wait_for_session(page: Page) -> None:
    """The chat-settings button appears once the server's chat session has started."""
    expect(page.locator("#chat-settings-open-modal")).to_be_visible()


def send(page: Page, text: str) -> None:
    """Type a message in the composer and send it."""
    page.fill("#chat-input", text)
    submit = page.locator("#chat-submit")
    expect(submit).to_be_enabled()
    submit.click()
    expect(page.locator("#chat-input")).to_have_value("")
