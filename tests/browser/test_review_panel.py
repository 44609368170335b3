"""The review panel in Chromium: diff beside the previous version, checks, memory, model and
cost; edit in place, reject with a reason, keyboard shortcuts, approve all that passed.

Runs against a real ``chainlit run app.py`` with scripted models.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import WorkspaceServer, make_server, screenshot, send, sign_in
from tests.browser.test_campaign_flow import button

pytestmark = pytest.mark.browser
BRIEF = "Brand: Loomwell\nGoal: spring linen launch.\nWe need a newsletter and 3 social posts."
"""No tone asked: the echo drafts pass every check, so "approve all that passed" has work."""
EDITED = "Loomwell spring linen is here: breathable, soft and made to last. Meet it today."


@pytest.fixture
def echo_workspace(tmp_path: Path) -> Iterator[WorkspaceServer]:
    """Scripted models whose drafts meet length and required terms, so some pass every check."""
    server = make_server(tmp_path / "data", BRANDLOOM_MODEL_WRITER="scripted:echo")
    try:
        yield server
    finally:
        server.close()


def panel(page: Page):
    return page.get_by_test_id("review-panel").last


def pick(review: Locator, asset_id: str) -> None:
    review.get_by_role("button", name=re.compile(rf"^[✓✗] {asset_id}\b")).click()
    expect(review.get_by_test_id("review-asset-title")).to_contain_text(asset_id)


def test_review_in_the_panel_edit_reject_shortcuts_and_approve_all_passed(
    echo_workspace: WorkspaceServer, new_page, request: pytest.FixtureRequest
) -> None:
    workspace = echo_workspace
    page = new_page()
    name = request.node.name
    sign_in(page, workspace, "paula")
    send(page, BRIEF)
    button(page, "Approve plan").click()
    expect(panel(page)).to_be_visible()
    review = page.get_by_test_id("review-panel").first
    expect(review.get_by_test_id("review-shortcuts")).to_contain_text("j next")
    expect(review.get_by_test_id("review-shortcuts")).to_contain_text("a approve")
    expect(review.get_by_test_id("review-checks")).to_contain_text(re.compile(r"[✓✗] \w+"))
    expect(review.get_by_test_id("review-model")).to_contain_text("scripted")
    expect(review.get_by_test_id("review-previous")).to_contain_text("Previous version")
    expect(review.get_by_test_id("review-open")).to_have_text("4 of 4 to decide")
    screenshot(page, name, "1-panel")

    # Edit in place with the `e` shortcut: no composer round trip, the edit's diff shows at once.
    pick(review, "social_post-01")
    page.keyboard.press("e")
    editor = review.locator("#review-text")
    expect(editor).to_be_focused()
    editor.fill(EDITED)
    review.get_by_role("button", name="Save edit").click()
    expect(review.get_by_test_id("review-edit-diff").locator("ins").first).to_be_visible()
    expect(review.get_by_test_id("review-asset-title")).to_contain_text("decided: edit")
    # the same decision reached the chat's buttons: that card's buttons are gone
    expect(page.get_by_role("button", name="Approve social_post-01", exact=True)).to_have_count(0)
    screenshot(page, name, "2-edited")

    # Reject with a reason (`r`), then `k`/`j` move between assets.
    pick(review, "social_post-02")
    page.keyboard.press("r")
    review.locator("#review-text").fill("too generic, name the collection")
    review.get_by_role("button", name="Reject with reason").click()
    expect(
        review.get_by_role("button", name=re.compile(r"social_post-02 · reject"))
    ).to_be_visible()
    pick(review, "social_post-03")
    page.keyboard.press("k")
    expect(review.get_by_test_id("review-asset-title")).to_contain_text("social_post-02")
    page.keyboard.press("j")
    expect(review.get_by_test_id("review-asset-title")).to_contain_text("social_post-03")

    # Approve all that passed: the count is shown and confirmed before anything is decided.
    expect(review.get_by_test_id("review-open")).to_have_text("2 of 4 to decide")
    review.get_by_role("button", name="Approve all that passed (2)").click()
    expect(review.get_by_test_id("review-confirm")).to_contain_text("Approve 2 assets")
    screenshot(page, name, "3-confirm")
    review.get_by_role("button", name="Yes, approve 2").click()
    expect(review.get_by_test_id("review-closed")).to_contain_text("Every asset of this gate")
    expect(review.get_by_role("button", name=re.compile(r"newsletter · approve"))).to_be_visible()
    screenshot(page, name, "4-approved")

    # social_post-02 comes back as v2: the new panel shows it beside v1 with the changes marked.
    second = page.get_by_test_id("review-panel").nth(1)
    expect(second).to_be_visible()
    expect(second.get_by_test_id("review-asset-title")).to_contain_text("social_post-02")
    expect(second.get_by_test_id("review-previous")).to_contain_text("Previous version (v1)")
    expect(second.get_by_test_id("review-draft")).to_contain_text("scripted draft")
    expect(second.get_by_test_id("review-memory")).to_be_visible()
    screenshot(page, name, "5-second-round")
    page.keyboard.press("a")
    expect(button(page, "Publish")).to_be_visible()
    button(page, "Publish").click()
    expect(page.get_by_text(re.compile(r"· published \(done\)"))).to_be_visible()
    edited = next(
        p
        for p in workspace.outbox_files()
        if p.name.startswith("social_post-01.") and p.suffix == ".md"
    )
    assert EDITED in edited.read_text()


def test_a_button_decision_shows_on_the_panel_and_an_empty_reason_cannot_be_sent(
    echo_workspace: WorkspaceServer, new_page, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    sign_in(page, echo_workspace, "ana")
    send(page, BRIEF)
    button(page, "Approve plan").click()
    review = panel(page)
    expect(review).to_be_visible()
    button(page, "Approve social_post-01").click()  # decided with the chat's button ...
    expect(page.get_by_text(re.compile(r"Noted \(social_post-01: approve\)"))).to_be_visible()
    # ... the panel is refreshed from the server and shows it decided
    expect(
        review.get_by_role("button", name=re.compile(r"social_post-01 · approve"))
    ).to_be_visible()
    pick(review, "social_post-02")
    page.keyboard.press("r")
    review.locator("#review-text").fill("   ")
    expect(review.get_by_role("button", name="Reject with reason")).to_be_disabled()
    screenshot(page, request.node.name, "refused")
