"""Inbound completion callbacks: ``POST /hooks/{connector}`` on the workspace's web server.

A connector that finishes asynchronously (a Shopify bulk operation) reports back here. Nothing
in the body is trusted before ``CallbackVerifier`` has checked the Standard Webhooks signature
(``BRANDLOOM_CALLBACK_SECRET``), the timestamp window and the ``webhook-id``; seen ids live in
Redis (``RedisSeenIds``) so a replay is refused across restarts and several instances. A
verified callback becomes one ``callback_received`` event in the content store (its key is the
webhook id, so a retried append records nothing twice). Refusals answer one-line JSON:
401 when the sender is not proven, 400 for a stale or replayed delivery, 404 for an unknown
connector, 503 when no secret is configured.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from tools.connectors.registry import CONNECTORS
from tools.connectors.webhook.inbound import (
    CallbackRejected,
    CallbackVerifier,
    RedisSeenIds,
    ReplayGuard,
)
from tools.content_store.base import ContentStore
from tools.content_store.events import CallbackReceived, StoreEvent
from tools.redis_server import connect
from tools.settings import Settings

CALLBACK_THREAD = "callbacks"
"""Thread of a callback whose payload names no ``thread_id`` (a store event needs one)."""
_MAX = 200
"""Width of the store's string columns."""

OpenStore = Callable[[Settings], Awaitable[ContentStore]]


async def _open_configured_store(settings: Settings) -> ContentStore:
    from tools.content_store import open_content_store

    return await open_content_store(settings)


class CallbackEndpoint:
    """The verifier and the content store, opened on the first callback (not at import)."""

    def __init__(
        self,
        settings: Settings,
        *,
        open_store: OpenStore = _open_configured_store,
        guard: ReplayGuard | None = None,
    ) -> None:
        self.settings = settings
        self._open_store = open_store
        self._guard = guard
        self._verifier: CallbackVerifier | None = None
        self._store: ContentStore | None = None
        self._lock = asyncio.Lock()

    def verifier(self) -> CallbackVerifier | None:
        secret = self.settings.callback_secret
        if secret is None or not secret.get_secret_value():
            return None
        if self._verifier is None:
            guard = self._guard or RedisSeenIds(connect(self.settings))
            self._verifier = CallbackVerifier(secret.get_secret_value(), guard)
        return self._verifier

    async def store(self) -> ContentStore:
        async with self._lock:
            if self._store is None:
                self._store = await self._open_store(self.settings)
            return self._store

    async def handle(self, connector: str, request: Request) -> JSONResponse:
        if connector not in CONNECTORS:
            return _refuse(404, f"unknown connector {connector!r}")
        try:
            verifier = self.verifier()
        except CallbackRejected as error:
            return _refuse(503, str(error))
        if verifier is None:
            return _refuse(503, "callbacks are off: set BRANDLOOM_CALLBACK_SECRET")
        body = await request.body()
        try:
            # The Redis round trip of the replay guard is blocking I/O.
            payload = await asyncio.to_thread(verifier.verify, body, dict(request.headers))
        except CallbackRejected as error:
            return _refuse(401 if error.unauthenticated else 400, str(error))
        webhook_id = request.headers["webhook-id"][:_MAX]
        event = callback_event(connector, webhook_id, payload)
        await (await self.store()).append([event])
        return JSONResponse({"ok": True, "webhook_id": webhook_id, "thread_id": event.thread_id})


def callback_event(connector: str, webhook_id: str, payload: dict[str, object]) -> StoreEvent:
    """The store event of a verified callback; ``thread_id`` and ``type`` come from the body
    when it carries them as strings."""
    thread = payload.get("thread_id")
    thread_id = thread[:_MAX] if isinstance(thread, str) and thread else CALLBACK_THREAD
    kind = payload.get("type")
    return StoreEvent(
        event_key=f"{thread_id}:callback:{connector}:{webhook_id}"[:400],
        thread_id=thread_id,
        actor=f"connector:{connector}"[:_MAX],
        payload=CallbackReceived(
            connector=connector,
            webhook_id=webhook_id,
            callback_type=kind[:_MAX] if isinstance(kind, str) else "",
        ),
    )


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": " ".join(message.split())}, status_code=status)


def callback_router(endpoint: CallbackEndpoint) -> APIRouter:
    router = APIRouter()

    @router.post("/hooks/{connector:path}")
    async def receive_callback(connector: str, request: Request) -> JSONResponse:
        return await endpoint.handle(connector, request)

    return router


def mount_callbacks(app: FastAPI, settings: Settings) -> CallbackEndpoint:
    """Register ``POST /hooks/{connector}`` on ``app`` (Chainlit's FastAPI app on startup)."""
    endpoint = CallbackEndpoint(settings)
    app.include_router(callback_router(endpoint))
    return endpoint
