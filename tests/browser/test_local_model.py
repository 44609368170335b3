"""In Chromium with the real local model (SmolLM2-135M via llama-cpp-python): one small
campaign from brief to review gate, refreshed mid-run, with the model's text and its trace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import make_server, screenshot, send, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.local_model, pytest.mark.slow]
LOCAL = "local:smollm2-135m"


def test_local_model_run_survives_a_refresh_and_reaches_review(tmp_path: Path, new_page) -> None:
    server = make_server(
        tmp_path / "data",
        BRANDLOOM_MODEL_ROUTER=LOCAL,
        BRANDLOOM_MODEL_WRITER=LOCAL,
        BRANDLOOM_MODEL_CRITIC=LOCAL,
        BRANDLOOM_MAX_REVISIONS="0",
        BRANDLOOM_MAX_CONCURRENCY="1",
    )
    try:
        page = new_page()
        sign_in(page, server, "paula")
        send(
            page,
            "Brand: Loomwell\nGoal: spring linen launch.\nTone: friendly\n"
            "We need a newsletter and 2 social posts.",
        )
        approve = page.get_by_role("button", name="Approve plan", exact=True).last
        expect(approve).to_be_visible()
        approve.click()
        expect(page.locator("#stop-button")).to_be_visible()
        page.reload()  # mid-run: the local model takes many seconds per draft
        expect(page.get_by_text("Still running; the next gate will appear here.")).to_be_visible()
        expect(page.get_by_role("button", name="Approve all", exact=True)).to_be_visible(
            timeout=600_000
        )
        expect(
            page.get_by_text(re.compile(r"social_post-02 · social_post · \w+ · v1"))
        ).to_be_visible()
        expect(page.get_by_text("A deterministic scripted draft")).to_have_count(0)
        screenshot(page, "test_local_model", "review")
        send(page, "trace")  # read from the content store: one row per model call names the model
        model_call = re.compile(re.escape(LOCAL) + r"\s+~?\d+ tokens")
        expect(page.get_by_role("cell", name=model_call).first).to_be_attached()
        screenshot(page, "test_local_model", "trace")
    finally:
        server.close()
