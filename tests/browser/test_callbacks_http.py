"""The completion-callback endpoint is mounted on the real ``chainlit run app.py`` server.

HTTP only (no browser): a signed Shopify bulk-operation callback is accepted once and recorded
in the server's content store; its replay is refused, also after the app restarts (seen ids
live in the embedded Redis, which outlives the app); a bad signature and an old timestamp are
refused with one-line JSON.
"""

from __future__ import annotations

import asyncio
import base64
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook

from tests.browser.conftest import make_server
from tools.content_store import open_content_store
from tools.content_store.events import CallbackReceived
from tools.settings import Settings

pytestmark = pytest.mark.browser
SECRET = "whsec_" + base64.b64encode(b"chainlit callback secret, 32 b!!").decode()
BODY = json.dumps({"type": "bulk_operation.finished", "thread_id": "shop-bulk-1"})


def post(
    url: str, msg_id: str, *, at: datetime | None = None, secret: str = SECRET
) -> httpx.Response:
    stamp = at or datetime.now(tz=UTC)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, stamp, BODY),
        "content-type": "application/json",
    }
    return httpx.post(f"{url}/hooks/shopify/v2026_01", content=BODY, headers=headers, timeout=30)


def callbacks_recorded(data_dir: Path) -> list[CallbackReceived]:
    async def read() -> list[CallbackReceived]:
        store = await open_content_store(Settings(data_dir=data_dir))
        try:
            events = await store.read_all(thread_id="shop-bulk-1")
        finally:
            await store.close()
        return [e.payload for e in events if isinstance(e.payload, CallbackReceived)]

    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API runs a loop in this one
        return thread.submit(asyncio.run, read()).result()


def test_signed_callbacks_on_the_chainlit_server(tmp_path: Path) -> None:
    server = make_server(tmp_path / "data", BRANDLOOM_CALLBACK_SECRET=SECRET)
    try:
        accepted = post(server.url, "msg_bulk_1")
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["thread_id"] == "shop-bulk-1"
        replay = post(server.url, "msg_bulk_1")
        assert (replay.status_code, replay.json()) == (
            400, {"error": "callback refused: replay of msg_bulk_1"}
        )  # fmt: skip
        forged = post(
            server.url, "msg_bulk_2", secret="whsec_" + base64.b64encode(b"y" * 32).decode()
        )
        assert (forged.status_code, forged.json()) == (
            401, {"error": "callback refused: No matching signature found"}
        )  # fmt: skip
        old = post(server.url, "msg_bulk_3", at=datetime.now(tz=UTC) - timedelta(minutes=10))
        assert (old.status_code, old.json()) == (
            400, {"error": "callback refused: Message timestamp too old"}
        )  # fmt: skip
        server.restart()
        after_restart = post(server.url, "msg_bulk_1")
        assert after_restart.status_code == 400, after_restart.text
    finally:
        server.close()
    assert callbacks_recorded(tmp_path / "data") == [
        CallbackReceived(
            connector="shopify/v2026_01",
            webhook_id="msg_bulk_1",
            callback_type="bulk_operation.finished",
        )
    ]
