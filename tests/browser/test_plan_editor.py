"""The plan editor in Chromium: edit the deliverables table, see errors on the field, approve,
and see the campaign follow the edited plan. Real ``chainlit run app.py``, scripted models."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, send, sign_in
from tests.browser.test_review_panel import BRIEF, echo_workspace  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def test_edit_a_plan_row_and_the_campaign_follows_it(
    echo_workspace,  # noqa: F811
    new_page,
    request: pytest.FixtureRequest,
) -> None:
    page = new_page()
    name = request.node.name
    sign_in(page, echo_workspace, "ana")
    send(page, BRIEF)
    editor = page.get_by_test_id("plan-editor")
    expect(editor).to_be_visible()
    expect(editor.get_by_test_id("plan-row")).to_have_count(4)
    ids = [editor.get_by_label(f"asset_id of row {n}").input_value() for n in range(1, 5)]
    assert sorted(ids) == ["newsletter", "social_post-01", "social_post-02", "social_post-03"]
    screenshot(page, name, "1-editor")

    # A wrong value is refused by the server and shown on its field; nothing is decided.
    editor.get_by_label("max_words of row 2").fill("lots")
    editor.get_by_label("budget").fill("-1")
    editor.get_by_role("button", name="Check").click()
    expect(editor.get_by_role("alert").filter(has_text="valid integer")).to_be_visible()
    expect(editor.get_by_test_id("plan-error")).to_contain_text("budget_usd")
    screenshot(page, name, "2-errors")

    # Fix it, drop a row, add one, raise the budget: valid, then approved from the element.
    editor.get_by_label("max_words of row 2").fill("90")
    editor.get_by_label("budget").fill("0.75")
    removed = ids[3]
    editor.get_by_role("button", name="Remove row 4").click()
    editor.get_by_role("button", name="Add row").click()
    editor.get_by_label("asset_id of row 4").fill("social_post-extra")
    editor.get_by_label("asset_kind of row 4").select_option("social_post")
    editor.get_by_label("channel of row 4").fill("instagram")
    editor.get_by_role("button", name="Check").click()
    expect(editor.get_by_test_id("plan-note")).to_have_text("The plan is valid: 4 rows.")
    editor.get_by_role("button", name="Save and approve plan").click()
    expect(editor.get_by_test_id("plan-closed")).to_have_text("Plan edited and approved.")

    # The campaign follows the edited plan: the review gate holds exactly the edited rows.
    review = page.get_by_test_id("review-panel").first
    expect(review).to_be_visible()
    expect(review.get_by_role("button", name=re.compile(r"social_post-extra"))).to_be_visible()
    expect(review.get_by_role("button", name=re.compile(rf"{removed}\b"))).to_have_count(0)
    expect(review.get_by_test_id("review-open")).to_have_text("4 of 4 to decide")
    screenshot(page, name, "3-followed")
    send(page, "status")
    expect(page.get_by_role("cell", name="social_post-extra", exact=True).last).to_be_visible()
