"""Outbound webhooks, version 1: each asset version is POSTed, signed per Standard Webhooks.

Headers ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` (``v1,<base64
HMAC-SHA256 of id.timestamp.body>``) with a ``whsec_`` secret, signed by the
``standardwebhooks`` package so any receiver using a Standard Webhooks library verifies them.

Idempotency: ``webhook-id`` is derived from the item key and the target, so a redelivery
(after a crash between the POST and the receipt, or a retry after a timeout) carries the same
id and the receiver drops it as a duplicate: the spec's contract for that header. A webhook
cannot be read back, so ``find`` knows only the ledger; every later version of the asset is
sent as ``asset.updated`` naming the previous remote id.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

from tools.connectors.base import PublishItem, Receipt, iso_utc
from tools.connectors.errors import ConnectorAuthFailed
from tools.connectors.http import Caller
from tools.connectors.ledger import PublishLedger
from tools.connectors.registry import ConnectorParts
from tools.connectors.remote import RemoteConnector, RemoteObject


def message_id(target: str, key: str) -> str:
    """The deterministic ``webhook-id`` of one asset version sent to one target."""
    return "msg_" + hashlib.sha256(f"{target}\n{key}".encode()).hexdigest()[:32]


class WebhookConnector(RemoteConnector):
    """Signs and POSTs asset versions to one URL."""

    name = "webhook/v1"

    def __init__(
        self, url: str, secret: str, caller: Caller, ledger: PublishLedger, *, live: bool = False
    ) -> None:
        super().__init__(ledger, target=f"{self.name} {url}", live=live)
        self.url = url
        self.signer = Webhook(secret)
        self.caller = caller
        self._previous: Receipt | None = None

    def find(self, item: PublishItem, previous: Receipt | None) -> RemoteObject | None:
        self._previous = previous
        return None

    def create(self, item: PublishItem) -> RemoteObject:
        kind = "asset.updated" if self._previous else "asset.published"
        if not self.live:
            kind = kind.replace("published", "draft")
        return self._deliver(item, kind)

    def update(self, item: PublishItem, current: RemoteObject) -> RemoteObject:
        return self._deliver(item, "asset.updated")

    def check(self) -> str:
        stamp = datetime.now(tz=UTC)
        self._post(f"ping_{int(stamp.timestamp())}", {"type": "brandloom.ping", "data": {}})
        return f"signed ping accepted by {self.url}"

    def _deliver(self, item: PublishItem, kind: str) -> RemoteObject:
        publish_at = iso_utc(item.publish_at) if item.publish_at else ""
        data = {
            "key": item.key,
            "thread_id": item.thread_id,
            "asset_id": item.asset_id,
            "version": item.version,
            "kind": item.asset_kind,
            "channel": item.channel,
            "title": item.title,
            "text": item.text,
            "fields": item.fields,
            "tags": item.tags,
            "live": self.live,
            "replaces": self._previous.remote_id if self._previous else "",
            "publish_at": publish_at,
        }
        msg_id = message_id(self.target, item.key)
        response = self._post(msg_id, {"type": kind, "data": data})
        remote_id = msg_id
        try:
            answer = response.json()
            if isinstance(answer, dict) and answer.get("id"):
                remote_id = str(answer["id"])
        except ValueError:
            pass
        when = publish_at if self.live else ""  # the receiver schedules it
        return RemoteObject(remote_id, "", msg_id, item.key, live=self.live, scheduled_for=when)

    def _post(self, msg_id: str, event: dict[str, object]) -> httpx.Response:
        """POST one signed event; every retry is signed afresh (new timestamp, same id)."""
        body = json.dumps(event, sort_keys=True, separators=(",", ":"))

        def signed() -> dict[str, str]:
            stamp = datetime.now(tz=UTC)
            return {
                "content-type": "application/json",
                "webhook-id": msg_id,
                "webhook-timestamp": str(int(stamp.timestamp())),
                "webhook-signature": self.signer.sign(msg_id, stamp, body),
            }

        return self.caller.send("POST", self.url, headers=signed, content=body.encode())


def from_settings(parts: ConnectorParts) -> WebhookConnector:
    settings = parts.settings
    if not settings.webhook_url or settings.webhook_secret is None:
        raise ConnectorAuthFailed(
            "webhook/v1", "set BRANDLOOM_WEBHOOK_URL and BRANDLOOM_WEBHOOK_SECRET (whsec_...)"
        )
    secret = settings.webhook_secret.get_secret_value()
    caller = Caller(
        "webhook/v1",
        parts.client,
        secrets=(secret,),
        max_retries=settings.connector_max_retries,
        backoff=settings.connector_backoff_seconds,
        sleep=parts.sleep,
    )
    try:
        return WebhookConnector(settings.webhook_url, secret, caller, parts.ledger, live=parts.live)
    except Exception:  # the library refuses a malformed secret; its message may quote it
        raise ConnectorAuthFailed(
            "webhook/v1", "BRANDLOOM_WEBHOOK_SECRET is not a whsec_ base64 secret"
        ) from None
