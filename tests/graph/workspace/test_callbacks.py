"""``POST /hooks/{connector}`` through FastAPI over httpx's ASGI transport, with the real parts:
the embedded Redis as replay guard and the SQLite content store under a fresh data dir."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from standardwebhooks import Webhook

from graph.workspace.callbacks import CallbackEndpoint, callback_router
from tools.content_store import open_content_store
from tools.content_store.events import CallbackReceived
from tools.settings import Settings

SECRET = "whsec_" + base64.b64encode(b"callback secret, 32 bytes long!!").decode()
OTHER = "whsec_" + base64.b64encode(b"x" * 32).decode()
URL = "/hooks/shopify/v2026_01"


def body(msg_id: str) -> str:
    return json.dumps(
        {"type": "bulk_operation.finished", "thread_id": f"thread-{msg_id}", "status": "completed"}
    )


def signed(
    msg_id: str, *, at: datetime | None = None, secret: str = SECRET
) -> tuple[str, dict[str, str]]:
    stamp = at or datetime.now(tz=UTC)
    text = body(msg_id)
    headers = {
        "Webhook-Id": msg_id,
        "Webhook-Timestamp": str(int(stamp.timestamp())),
        "Webhook-Signature": Webhook(secret).sign(msg_id, stamp, text),
        "Content-Type": "application/json",
    }
    return text, headers


def client_for(settings: Settings) -> httpx.AsyncClient:
    """A fresh endpoint (as after a restart): only Redis and the store carry state."""
    app = FastAPI()
    app.include_router(callback_router(CallbackEndpoint(settings)))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hooks")


@pytest.fixture
def secured(settings: Settings) -> Settings:
    return settings.model_copy(update={"callback_secret": SecretStr(SECRET)})


async def recorded(settings: Settings, thread_id: str) -> list[CallbackReceived]:
    store = await open_content_store(settings)
    try:
        events = await store.read_all(thread_id=thread_id)
    finally:
        await store.close()
    return [e.payload for e in events if isinstance(e.payload, CallbackReceived)]


async def test_a_valid_callback_is_recorded_once_and_its_replay_refused_after_a_restart(
    secured: Settings,
) -> None:
    msg_id = f"msg_{datetime.now(tz=UTC).timestamp()}"
    text, headers = signed(msg_id)
    async with client_for(secured) as client:
        accepted = await client.post(URL, content=text, headers=headers)
        assert accepted.status_code == 200, accepted.text
        assert accepted.json() == {
            "ok": True,
            "webhook_id": msg_id,
            "thread_id": f"thread-{msg_id}",
        }
        again = await client.post(URL, content=text, headers=headers)
    assert again.status_code == 400
    assert again.json() == {"error": f"callback refused: replay of {msg_id}"}
    async with client_for(secured) as restarted:  # new process memory, same Redis
        replay = await restarted.post(URL, content=text, headers=headers)
    assert replay.status_code == 400, replay.text
    assert await recorded(secured, f"thread-{msg_id}") == [
        CallbackReceived(
            connector="shopify/v2026_01", webhook_id=msg_id, callback_type="bulk_operation.finished"
        )
    ]


@pytest.mark.parametrize(
    ("make", "status", "error"),
    [
        (lambda: signed("msg_bad", secret=OTHER), 401, "No matching signature found"),
        (
            lambda: signed("msg_old", at=datetime.now(tz=UTC) - timedelta(minutes=10)),
            400,
            "Message timestamp too old",
        ),
        (lambda: (body("msg_none"), {"Webhook-Id": "msg_none"}), 401, "Missing required headers"),
    ],
)
async def test_bad_callbacks_are_refused_with_one_line_and_record_nothing(
    secured: Settings,
    make: Callable[[], tuple[str, dict[str, str]]],
    status: int,
    error: str,
) -> None:
    text, headers = make()
    async with client_for(secured) as client:
        answer = await client.post(URL, content=text, headers=headers)
    assert answer.status_code == status, answer.text
    assert answer.json() == {"error": f"callback refused: {error}"}
    msg_id = headers["Webhook-Id"]
    assert await recorded(secured, f"thread-{msg_id}") == []


async def test_unknown_connector_and_missing_secret(settings: Settings, secured: Settings) -> None:
    text, headers = signed("msg_conf")
    async with client_for(secured) as client:
        unknown = await client.post("/hooks/nope/v1", content=text, headers=headers)
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "unknown connector 'nope/v1'"}
    async with client_for(settings) as client:  # no BRANDLOOM_CALLBACK_SECRET
        off = await client.post(URL, content=text, headers=headers)
    assert off.status_code == 503
    assert off.json() == {"error": "callbacks are off: set BRANDLOOM_CALLBACK_SECRET"}
