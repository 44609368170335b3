"""In Chromium: gates survive a refresh and a server restart; ownership and roles hold; bad input
gets a clear message and changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from graph.workspace.users import UserStore
from tests.browser.conftest import (
    WorkspaceServer,
    make_server,
    password_of,
    screenshot,
    send,
    sign_in,
)

pytestmark = pytest.mark.browser
BRIEF_CAP = 5_000
"""A small brief cap for this module's server, so the over-long brief stays cheap to render."""
SMALL_BRIEF = """# Small launch
Brand: Loomwell
Goal: Launch the spring linen range.
Tone: friendly
Required terms: Loomwell

We need a newsletter and 2 social posts."""


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkspaceServer]:
    """One server for the tests of this module (each test uses its own users and chats)."""
    data_dir = tmp_path_factory.mktemp("workspace") / "data"
    server = make_server(data_dir, BRANDLOOM_BRIEF_MAX_CHARS=str(BRIEF_CAP))
    try:
        yield server
    finally:
        server.close()


def button(page: Page, label: str):
    return page.get_by_role("button", name=label, exact=True).last


def to_plan_gate(page: Page, server: WorkspaceServer, user: str) -> str:
    """Sign in, send the small brief, wait for the plan gate; returns the thread URL."""
    sign_in(page, server, user)
    send(page, SMALL_BRIEF)
    expect(button(page, "Approve plan")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/thread/"))
    return page.url


def error_shown(page: Page, text: str) -> None:
    expect(page.get_by_text(re.compile(re.escape(text))).last).to_be_visible()


def test_refresh_keeps_the_pending_gate(shared: WorkspaceServer, new_page) -> None:
    page = new_page()
    url = to_plan_gate(page, shared, "ana")
    page.reload()
    expect(page).to_have_url(url)
    expect(button(page, "Approve plan")).to_be_enabled()
    screenshot(page, "test_refresh_keeps_the_pending_gate", "after-reload")
    button(page, "Approve plan").click()
    expect(button(page, "Approve all")).to_be_visible()


def test_another_user_cannot_open_the_thread(shared: WorkspaceServer, new_page) -> None:
    owner = new_page()
    url = to_plan_gate(owner, shared, "bob")
    thread_id = url.rsplit("/", 1)[1]
    UserStore(shared.data_dir / "users.json").add("ivan", "approver", password_of("ivan"))
    intruder = new_page()
    sign_in(intruder, shared, "ivan")
    expect(intruder.locator(f"#thread-{thread_id}")).to_have_count(0)
    intruder.goto(url)
    intruder.wait_for_load_state("networkidle")
    expect(intruder.get_by_text("Small launch")).to_have_count(0)
    expect(intruder.get_by_role("button", name="Approve plan")).to_have_count(0)
    screenshot(intruder, "test_another_user_cannot_open_the_thread", "intruder")
    cookies = {c["name"]: c["value"] for c in intruder.context.cookies()}
    response = httpx.get(f"{shared.url}/project/thread/{thread_id}", cookies=cookies)
    assert response.status_code in (401, 403)
    assert "Small launch" not in response.text


def test_viewer_cannot_approve(shared: WorkspaceServer, new_page) -> None:
    page = new_page()
    store = UserStore(shared.data_dir / "users.json")
    store.add("dora", "editor", password_of("dora"))
    to_plan_gate(page, shared, "dora")
    store.add("dora", "viewer", password_of("dora"), replace=True)
    button(page, "Approve plan").click()
    error_shown(page, "a viewer cannot decide at gates")
    screenshot(page, "test_viewer_cannot_approve", "refused")
    page.reload()
    expect(button(page, "Approve plan")).to_be_visible()
    expect(page.get_by_text("Review gate")).to_have_count(0)


def test_bad_input_gets_a_clear_message_and_changes_nothing(
    shared: WorkspaceServer, new_page
) -> None:
    page = new_page()
    sign_in(page, shared, "paula")
    send(page, "Weekly newsletter " * (BRIEF_CAP // 10))
    error_shown(page, f"max {BRIEF_CAP})")
    expect(page.get_by_role("button", name="Approve plan")).to_have_count(0)
    send(page, SMALL_BRIEF)
    expect(button(page, "Approve plan")).to_be_visible()
    for text, message in [
        ("edit plan\n{not json", "not valid JSON"),
        ("approve nope-01", "waits at the plan gate"),
        ("reject plan", "needs a reason"),
    ]:
        send(page, text)
        error_shown(page, message)
    button(page, "Approve plan").dblclick()
    expect(button(page, "Approve all")).to_be_visible()
    button(page, "Approve newsletter").click()
    expect(page.get_by_text(re.compile(r"Noted \(newsletter: approve\)"))).to_be_visible()
    expect(page.get_by_role("button", name="Approve newsletter")).to_have_count(0)
    send(page, "approve newsletter")
    error_shown(page, "newsletter already has a decision (approve); nothing changed")
    send(page, "approve nope-01")
    error_shown(page, "no asset 'nope-01' is waiting for review")
    screenshot(page, "test_bad_input", "errors")
    expect(page.get_by_text("Review gate")).to_have_count(1)


def test_restart_resumes_from_the_sidebar(tmp_path: Path, new_page) -> None:
    server = make_server(tmp_path / "data")
    try:
        page = new_page()
        url = to_plan_gate(page, server, "ana")
        thread_id = url.rsplit("/", 1)[1]
        server.restart()
        page.goto(server.url)
        page.locator(f"#thread-{thread_id}").click()
        expect(page).to_have_url(url)
        expect(button(page, "Approve plan")).to_be_enabled()
        screenshot(page, "test_restart_resumes_from_the_sidebar", "after-restart")
        button(page, "Approve plan").click()
        expect(button(page, "Approve all")).to_be_visible()
    finally:
        server.close()
