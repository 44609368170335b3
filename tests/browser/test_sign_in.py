"""Sign-in through the real login form; unknown users and wrong passwords stay out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import WorkspaceServer, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_sign_in_shows_the_workspace(workspace: WorkspaceServer, new_page) -> None:
    page = new_page()
    sign_in(page, workspace, "ana")
    expect(page.locator("#new-chat-button")).to_be_visible()
    screenshot(page, "test_sign_in", "signed-in")


@pytest.mark.parametrize(("name", "password"), [("ana", "wrong-password"), ("mallory", "x" * 10)])
def test_bad_credentials_are_refused(
    workspace: WorkspaceServer, new_page, name: str, password: str
) -> None:
    page = new_page()
    page.goto(f"{workspace.url}/login")
    page.fill("#email", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
    expect(page.get_by_text("Unable to sign in")).to_be_visible()
    expect(page.locator("#chat-input")).to_have_count(0)
    expect(page).to_have_url(f"{workspace.url}/login")
