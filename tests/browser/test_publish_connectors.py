"""Publishing from the chat through configured connectors, checked on the remote side.

A real ``chainlit run app.py`` (scripted models) whose settings route ``email`` to ``ghost/v5``
at the real Ghost fixture, ``social`` to ``webhook/v1`` at the loopback receiver (which
verifies every signature) and ``shop`` to ``shopify/v2026_01`` at the contract fake, all live.
An approver commissions a newsletter, two social posts and product copy for a product of the
fake, approves the plan, the review gate and the publish gate; then the Ghost post exists
(Admin API), the receiver holds the signed deliveries, the fake's product has its description,
the chat shows where each asset went and the content store holds the receipts.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePath

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import make_server, screenshot, send, sign_in
from tests.tools.connectors.conftest import GhostSite, ghost
from tests.tools.connectors.webhook_receiver import running_receiver
from tools.connectors.ghost.v5 import admin_token
from tools.connectors.shopify.fake import running_fake
from tools.content_store import open_content_store
from tools.content_store.events import PublishReceipt
from tools.settings import Settings

__all__ = ["ghost"]  # fixture
pytestmark = pytest.mark.browser
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
TOKEN = "shpat_chat0123"
BRIEF = (
    "Brand: Loomwell\nGoal: spring launch\n\n"
    "This week's newsletter, 2 social posts and product descriptions for these products.\n\n"
    "```csv\nsku,name,handle,material\nLW-01,Linen shirt,linen-shirt,linen\n```\n"
)


def receipts(data_dir: Path) -> list[PublishReceipt]:
    async def read() -> list[PublishReceipt]:
        store = await open_content_store(Settings(data_dir=data_dir))
        try:
            events = await store.read_all()
        finally:
            await store.close()
        return [e.payload for e in events if isinstance(e.payload, PublishReceipt)]

    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API runs a loop in this one
        return thread.submit(asyncio.run, read()).result()


def ghost_posts(site: GhostSite) -> list[dict[str, object]]:
    token = admin_token(site.admin_key, time.time())
    answer = httpx.get(
        f"{site.url}/ghost/api/admin/posts/?limit=all&filter=status:[draft,published,scheduled]",
        headers={"Authorization": f"Ghost {token}", "Accept-Version": "v5.0"}, timeout=30,
    )  # fmt: skip
    answer.raise_for_status()
    return list(answer.json()["posts"])


def test_an_approver_publishes_to_ghost_the_webhook_and_the_shop_from_the_chat(
    tmp_path: Path, ghost: GhostSite, new_page, request: pytest.FixtureRequest
) -> None:
    name = request.node.name
    with running_receiver(SECRET) as receiver, running_fake(TOKEN) as shop:
        shop.add_product(1, "Linen shirt", sku="LW-01")
        server = make_server(
            tmp_path / "data",
            BRANDLOOM_CONNECTORS=json.dumps(
                {"email": "ghost/v5", "social": "webhook/v1", "shop": "shopify/v2026_01"}
            ),
            BRANDLOOM_CONNECTORS_LIVE="email,social,shop",
            BRANDLOOM_GHOST_URL=ghost.url,
            BRANDLOOM_GHOST_ADMIN_KEY=ghost.admin_key,
            BRANDLOOM_WEBHOOK_URL=receiver.url,
            BRANDLOOM_WEBHOOK_SECRET=SECRET,
            BRANDLOOM_SHOPIFY_URL=shop.url,
            BRANDLOOM_SHOPIFY_ACCESS_TOKEN=TOKEN,
        )
        try:
            page = new_page()
            sign_in(page, server, "paula")
            send(page, BRIEF)
            approve_plan = page.get_by_role("button", name="Approve plan", exact=True).last
            expect(approve_plan).to_be_visible()
            expect(
                page.get_by_role("cell", name="social_post-02", exact=True).first
            ).to_be_visible()
            screenshot(page, name, "1-plan-gate")
            approve_plan.click()
            approve_all = page.get_by_role("button", name="Approve all", exact=True).last
            expect(approve_all).to_be_visible()
            screenshot(page, name, "2-review-gate")
            approve_all.click()
            publish = page.get_by_role("button", name="Publish", exact=True).last
            expect(publish).to_be_visible()
            screenshot(page, name, "3-publish-gate")
            publish.click()
            expect(page.get_by_text(re.compile(r"· published \(done\)"))).to_be_visible(
                timeout=180_000  # a wait bound, not a speed goal: publishing records every event
            )
            screenshot(page, name, "4-published")

            recorded = receipts(server.data_dir)
            by_connector = {r.connector: r for r in recorded if r.ok}
            assert set(by_connector) == {"ghost/v5", "webhook/v1", "shopify/v2026_01"}, recorded
            for receipt in recorded:  # the status table's "published" column names each place
                location = page.get_by_text(PurePath(receipt.url).name).first
                expect(location).to_be_visible()
                location.scroll_into_view_if_needed()
            screenshot(page, name, "5-receipts")
        finally:
            server.close()

        assert receiver.deliveries == 2 and len(receiver.objects) == 2  # verified signatures
        assert {e["type"] for e in receiver.objects.values()} == {"asset.published"}
        product = shop.products["gid://shopify/Product/1"]
        assert "scripted draft" in product.description_html, product
        key = product.metafields["brandloom.publish_key"]
        assert re.fullmatch(r"[\w-]+/product_description-lw-01@v\d+", key), key
    newsletter = by_connector["ghost/v5"].url
    posts = [post for post in ghost_posts(ghost) if post["url"] == newsletter]
    assert len(posts) == 1 and posts[0]["status"] == "published", newsletter
