"""The approval inbox in Chromium: `inbox` lists the gates waiting in my campaigns, one click
opens one; another user's inbox does not show them. Real ``chainlit run app.py``."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import WorkspaceServer, screenshot, send, sign_in, wait_for_session
from tests.browser.test_campaign_flow import button
from tests.browser.test_review_panel import BRIEF

pytestmark = pytest.mark.browser


def test_inbox_lists_my_waiting_gates_and_opens_one(
    workspace: WorkspaceServer, new_page, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    sign_in(page, workspace, "paula")
    send(page, BRIEF)
    expect(button(page, "Approve plan")).to_be_visible()
    campaign_url = page.url

    page.goto(workspace.url)  # a new chat
    wait_for_session(page)
    send(page, "inbox")
    expect(page.get_by_role("heading", name="Waiting for me")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Loomwell")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("plan")
    expect(row).to_contain_text(re.compile(r"\d+ min"))
    screenshot(page, request.node.name, "inbox")
    with page.context.expect_page() as opened:  # chat links open in a new tab
        row.get_by_role("link").click()
    gate = opened.value
    expect(gate).to_have_url(campaign_url)
    expect(button(gate, "Approve plan")).to_be_visible()

    other = new_page()
    sign_in(other, workspace, "bob")
    send(other, "inbox")
    expect(other.get_by_text("Nothing is waiting for you.")).to_be_visible()
