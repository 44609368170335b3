"""In Chromium: stop a run with the stop button, edit while paused, resume; history and fork;
brand-kit upload into brand memory."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import WorkspaceServer, make_server, screenshot, send, sign_in

pytestmark = pytest.mark.browser
NEWSLETTER_STARTER = "Weekly newsletter + 10 posts + video script"


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkspaceServer]:
    """Drafts one asset at a time on a writer taking 0.3 s per call, so a run lasts long enough
    to be stopped even on a loaded machine."""
    server = make_server(
        tmp_path_factory.mktemp("controls") / "data",
        BRANDLOOM_MAX_CONCURRENCY="1",
        BRANDLOOM_MODEL_WRITER="scripted:slow",
    )
    try:
        yield server
    finally:
        server.close()


def button(page: Page, label: str):
    return page.get_by_role("button", name=label, exact=True).last


def test_stop_edit_and_resume(slow_server: WorkspaceServer, new_page) -> None:
    page = new_page()
    sign_in(page, slow_server, "ana")
    page.get_by_text(NEWSLETTER_STARTER).click()
    button(page, "Approve plan").click()
    page.locator("#stop-button").click()
    expect(page.get_by_text("Paused.").last).to_be_visible()
    screenshot(page, "test_stop_edit_and_resume", "paused")
    status = page.get_by_role("cell", name="pending", exact=True)
    expect(status.first).to_be_visible()
    send(page, "edit social_post-10\nLoomwell linen for slow spring mornings, written by a human.")
    expect(page.get_by_text("Saved your edit.").last).to_be_visible()
    send(page, "resume")
    expect(button(page, "Approve all")).to_be_visible()
    expect(page.get_by_text("written by a human").last).to_be_visible()
    screenshot(page, "test_stop_edit_and_resume", "resumed")


def test_history_and_fork(slow_server: WorkspaceServer, new_page) -> None:
    page = new_page()
    sign_in(page, slow_server, "paula")
    send(
        page, "Brand: Loomwell\nGoal: spring linen launch.\nTone: friendly\nWe need 2 social posts."
    )
    expect(button(page, "Approve plan")).to_be_visible()
    send(page, "history")
    row = page.get_by_role("row").filter(has_text="plan_gate").first
    expect(row).to_be_visible()
    checkpoint_id = row.get_by_role("cell").first.inner_text().strip()
    assert re.fullmatch(r"[0-9a-f-]{20,}", checkpoint_id), checkpoint_id
    send(page, f"fork {checkpoint_id} same plan, more playful tone")
    expect(
        page.get_by_text(re.compile(r"Forked from checkpoint .* with tone playful"))
    ).to_be_visible()
    send(page, "resume")
    expect(page.get_by_role("cell", name="playful").first).to_be_visible()
    screenshot(page, "test_history_and_fork", "forked-plan")


def test_brand_kit_upload_goes_into_memory(
    slow_server: WorkspaceServer, new_page, tmp_path: Path
) -> None:
    kit = tmp_path / "loomwell-style.txt"
    kit.write_text("Loomwell writes warm, plain sentences. Always say 'linen', never 'fabric'.\n")
    page = new_page()
    sign_in(page, slow_server, "ana")
    page.set_input_files("#upload-button-input", str(kit))
    expect(page.get_by_text("loomwell-style.txt").first).to_be_visible()
    send(page, "Brand: Loomwell")
    expect(
        page.get_by_text(re.compile(r"Added 1 file\(s\) to the memory of brand"))
    ).to_be_visible()
    screenshot(page, "test_brand_kit_upload", "added")
