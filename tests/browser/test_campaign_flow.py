"""End to end in Chromium: commission from a starter, decide at every gate, publish, find files.

Runs against a real ``chainlit run app.py`` with scripted models (deterministic, no latency).
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import WorkspaceServer, screenshot, send, sign_in

pytestmark = pytest.mark.browser
NEWSLETTER_STARTER = "Weekly newsletter + 10 posts + video script"
EDITED_TEXT = "Loomwell spring linen is here: soft, breathable and made to last. Meet it today."


def button(page: Page, label: str):
    """The newest button with exactly this label."""
    return page.get_by_role("button", name=label, exact=True).last


def answer_prompt(page: Page, text: str) -> None:
    """Answer an AskUserMessage (edit text / reject reason) through the composer."""
    expect(
        page.get_by_text(re.compile(r": send (the new text|the reason|your note)\.")).last
    ).to_be_visible()
    send(page, text)


def commission_to_plan_gate(page: Page) -> None:
    page.get_by_text(NEWSLETTER_STARTER).click()
    expect(button(page, "Approve plan")).to_be_visible()


def test_commission_review_and_publish_as_approver(
    workspace: WorkspaceServer, new_page, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    name = request.node.name
    sign_in(page, workspace, "paula")
    commission_to_plan_gate(page)
    expect(page.get_by_role("cell", name="social_post-10", exact=True).first).to_be_visible()
    screenshot(page, name, "1-plan-gate")

    button(page, "Approve plan").click()
    expect(page.get_by_text("Review gate").last).to_be_visible()
    expect(button(page, "Approve social_post-01")).to_be_visible()
    screenshot(page, name, "2-review-gate")

    button(page, "Edit social_post-01").click()
    answer_prompt(page, EDITED_TEXT)
    expect(page.get_by_text(re.compile(r"Noted \(social_post-01: edit\)"))).to_be_visible()
    button(page, "Reject social_post-02").click()
    answer_prompt(page, "too generic, name the collection")
    expect(page.get_by_text(re.compile(r"social_post-02: reject"))).to_be_visible()
    button(page, "Approve all").click()
    screenshot(page, name, "3-decided")

    # social_post-02 was regenerated and comes back alone for review.
    expect(page.get_by_text(re.compile(r"Review gate")).nth(1)).to_be_visible()
    expect(button(page, "Approve social_post-02")).to_be_visible()
    expect(page.get_by_role("button", name="Approve social_post-03", exact=True)).to_have_count(0)
    button(page, "Approve social_post-02").click()

    expect(button(page, "Publish")).to_be_visible()
    screenshot(page, name, "4-publish-gate")
    button(page, "Publish").click()
    expect(page.get_by_text(re.compile(r"· published \(done\)"))).to_be_visible(
        timeout=180_000  # a wait bound, not a speed goal: publishing records every event
    )
    screenshot(page, name, "5-published")

    files = workspace.outbox_files()
    markdown = [path for path in files if path.suffix == ".md"]
    receipts = [path for path in files if path.name.endswith(".receipt.json")]
    assert len(markdown) == len(receipts) == 12
    edited = next(path for path in markdown if path.name.startswith("social_post-01."))
    assert EDITED_TEXT in edited.read_text()
    assert all(json.loads(path.read_text()) for path in receipts)

    send(page, "trace")
    expect(
        page.get_by_text("### Trace").or_(page.get_by_role("heading", name="Trace"))
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"human decisions"))).to_be_visible()
    screenshot(page, name, "6-trace")
