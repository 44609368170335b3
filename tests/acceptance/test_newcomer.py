"""The README's commands, verbatim, on a fresh clone with nothing set (issue: a newcomer's first
campaign works). These run the real local model, the real embedded Redis and a real Chromium."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.acceptance.conftest import Clone, stop_group
from tests.browser.conftest import screenshot
from tools.redis_server import EmbeddedRedis

pytestmark = [pytest.mark.local_model, pytest.mark.slow]
SPRING_LAUNCH_ASSETS = 12
"""examples/spring_launch.md asks for a newsletter, 10 social posts and a video script."""
STARTER = "Weekly newsletter + 10 posts + video script"


def outbox_pairs(data_dir: Path) -> tuple[list[str], list[str]]:
    """Stems of the published markdown files and of the receipts, sorted."""
    outbox = data_dir / "outbox"
    markdown = sorted(p.name.removesuffix(".md") for p in outbox.rglob("*.md"))
    receipts = sorted(p.name.removesuffix(".receipt.json") for p in outbox.rglob("*.receipt.json"))
    return markdown, receipts


def process_gone(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return True
    return bool(re.search(r"^State:\s+Z", status.read_text(), re.MULTILINE))  # a zombie is gone


def test_make_demo_publishes_every_asset_and_make_stop_leaves_no_redis(clone: Clone) -> None:
    demo = clone.run("make", "demo", timeout=1500)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "published" in demo.stdout
    data_dir = clone.root / ".brandloom"
    markdown, receipts = outbox_pairs(data_dir)
    assert len(markdown) == SPRING_LAUNCH_ASSETS, markdown
    assert markdown == receipts
    for receipt in (data_dir / "outbox").rglob("*.receipt.json"):
        assert json.loads(receipt.read_text())["asset_id"]
    assert "A deterministic scripted draft" not in "".join(
        p.read_text() for p in (data_dir / "outbox").rglob("*.md")
    )  # the real local model wrote them

    pid = int((data_dir / "redis" / "redis.pid").read_text())
    assert not process_gone(pid)
    stopped = clone.run("make", "stop", timeout=60)
    assert stopped.returncode == 0, stopped.stderr
    deadline = time.monotonic() + 10
    while not process_gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert process_gone(pid), f"redis-server {pid} still runs after make stop"


def test_make_run_signs_in_commissions_a_starter_and_reaches_review(clone: Clone, new_page) -> None:
    server = clone.start("make", "run")
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(server.stdout or []), daemon=True)
    reader.start()
    try:
        password = _printed_password(lines, server)
        page = new_page(welcome_guide=True)
        page.goto("http://127.0.0.1:8000/login")
        page.fill("#email", "admin")
        page.fill("#password", password)
        page.click("button[type=submit]")
        guide = page.get_by_text("Your first campaign, in three clicks")
        expect(guide).to_be_visible(timeout=60_000)  # chainlit.md opens on a first visit
        screenshot(page, "newcomer", "welcome-guide")
        page.keyboard.press("Escape")
        expect(guide).to_be_hidden()
        expect(page.get_by_text(STARTER)).to_be_visible()
        expect(page.locator("img[alt*='logo' i]").first).to_be_visible()
        screenshot(page, "newcomer", "welcome")
        favicon = httpx.get("http://127.0.0.1:8000/favicon", timeout=10)
        assert favicon.content == (clone.root / "public" / "favicon.png").read_bytes()
        page.get_by_text(STARTER).click()
        approve = page.get_by_role("button", name="Approve plan", exact=True).last
        expect(approve).to_be_visible(timeout=120_000)
        screenshot(page, "newcomer", "plan")
        approve.click()
        expect(page.get_by_role("button", name="Approve all", exact=True)).to_be_visible(
            timeout=1_200_000
        )
        expect(page.get_by_text(re.compile(r"social_post-10 · social_post"))).to_be_visible()
        screenshot(page, "newcomer", "review")
    finally:
        stop_group(server)
    assert "Traceback" not in "".join(lines), "".join(lines)[-4000:]


def _printed_password(lines: list[str], server) -> str:
    """The first-start line ``sign in as admin / PASSWORD``, once the server answers."""
    deadline = time.monotonic() + 600  # the first start may still finish `make`'s set-up
    password = ""
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail("make run exited:\n" + "".join(lines)[-4000:])
        match = re.search(r"sign in as admin / (\S+)", "".join(lines))
        password = match.group(1) if match else password
        if password:
            try:
                if httpx.get("http://127.0.0.1:8000/project/settings", timeout=2).status_code < 500:
                    return password
            except httpx.HTTPError:
                pass
        time.sleep(0.5)
    pytest.fail("make run printed no first-start password:\n" + "".join(lines)[-4000:])


def test_brandloom_run_from_a_folder_outside_the_clone(clone: Clone, tmp_path: Path) -> None:
    elsewhere = tmp_path / "my-campaigns"
    elsewhere.mkdir()
    brandloom = str(clone.root / ".venv" / "bin" / "brandloom")
    brief = "Brand: Loomwell\nTone: playful\nA newsletter and 2 social posts for the spring sale."
    done = clone.run(brandloom, "run", "--auto-approve", "--brief", brief, cwd=elsewhere,
                     timeout=900)  # fmt: skip
    try:
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        markdown, receipts = outbox_pairs(elsewhere / ".brandloom")
        assert len(markdown) == 3 and markdown == receipts
        doctor = clone.run(brandloom, "doctor", "--quick", cwd=elsewhere, timeout=120)
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert str(elsewhere / ".brandloom") in doctor.stdout
        embedded = EmbeddedRedis(elsewhere / ".brandloom" / "redis")  # its socket, however long
        assert f"embedded, {embedded.url} (answers)" in doctor.stdout, doctor.stdout
    finally:
        shut = clone.run(brandloom, "shutdown", cwd=elsewhere, timeout=60)
    assert shut.returncode == 0, shut.stderr
    assert "stopped the embedded Redis" in shut.stdout
