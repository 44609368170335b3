"""Inbound signed callbacks: verify a Standard Webhooks delivery and refuse replays.

Connectors that finish asynchronously (a Shopify bulk operation, a scheduled publish) report
back to an endpoint; ``CallbackVerifier.verify`` is what that endpoint calls on the raw body
and headers before trusting anything: the signature (``standardwebhooks``, ``whsec_`` secret),
the timestamp (within five minutes of now, the library's tolerance) and the ``webhook-id``
(each one accepted once: a replayed delivery is refused even with a valid signature).

``SeenIds`` keeps ids in memory for twice the tolerance (older deliveries fail the timestamp
check anyway); ``RedisSeenIds`` keeps them in Redis (``SET NX`` with the same expiry), so a
replay is refused across a restart and across several server instances.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

import redis
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tools.errors import InputError

TOLERANCE_SECONDS = 300.0
"""How far a delivery's timestamp may be from now (the library's fixed window)."""


class CallbackRejected(InputError):
    """A callback that is unsigned, wrongly signed, too old or too new, or a replay."""

    unauthenticated = True
    """True when the sender is not proven (HTTP 401); False when it is but the delivery is
    stale or a replay (HTTP 400)."""


class StaleCallback(CallbackRejected):
    """Correctly signed, but its timestamp is outside the window."""

    unauthenticated = False


class ReplayedCallback(CallbackRejected):
    """Correctly signed and fresh, but this ``webhook-id`` was accepted before."""

    unauthenticated = False


class ReplayGuard(Protocol):
    """Remembers delivery ids; ``first_time`` is atomic."""

    def first_time(self, delivery_id: str) -> bool:
        """True the first time ``delivery_id`` is seen (and records it)."""
        ...


class SeenIds:
    """In-process ``ReplayGuard``: ids expire after twice the timestamp tolerance."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_time(self, delivery_id: str) -> bool:
        now = self.clock()
        with self._lock:
            for old in [i for i, t in self._seen.items() if now - t > 2 * TOLERANCE_SECONDS]:
                del self._seen[old]
            if delivery_id in self._seen:
                return False
            self._seen[delivery_id] = now
            return True


class RedisSeenIds:
    """Shared ``ReplayGuard``: one Redis key per id, set only if absent, expiring after twice
    the timestamp tolerance (the id can never be valid again by then)."""

    def __init__(self, client: redis.Redis, prefix: str = "brandloom:callback:seen:") -> None:
        self.client = client
        self.prefix = prefix

    def first_time(self, delivery_id: str) -> bool:
        added = self.client.set(
            self.prefix + delivery_id, b"1", nx=True, ex=int(2 * TOLERANCE_SECONDS)
        )
        return bool(added)


class CallbackVerifier:
    """Verifies inbound callbacks signed with one ``whsec_`` secret."""

    def __init__(self, secret: str, guard: ReplayGuard | None = None) -> None:
        try:
            self.webhook = Webhook(secret)
        except Exception:
            raise CallbackRejected("the callback secret is not a whsec_ base64 secret") from None
        self.guard = guard or SeenIds()

    def verify(self, body: bytes, headers: Mapping[str, str]) -> dict[str, object]:
        """The JSON payload of a valid, first-seen delivery; ``CallbackRejected`` otherwise."""
        lowered = {name.lower(): value for name, value in headers.items()}
        try:
            payload = self.webhook.verify(body, lowered)
        except WebhookVerificationError as error:
            stale = "timestamp too" in str(error)
            kind = StaleCallback if stale else CallbackRejected
            raise kind(f"callback refused: {error}") from None
        except ValueError:
            raise CallbackRejected("callback refused: malformed signature or body") from None
        if not isinstance(payload, dict):
            raise CallbackRejected("callback refused: the body is not a JSON object")
        if not self.guard.first_time(lowered["webhook-id"]):
            raise ReplayedCallback(f"callback refused: replay of {lowered['webhook-id']}")
        return payload
