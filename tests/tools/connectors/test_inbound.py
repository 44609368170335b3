"""Inbound signed callbacks: signature, timestamp window and replays."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from tools.connectors.webhook.inbound import CallbackRejected, CallbackVerifier

SECRET = "whsec_" + base64.b64encode(b"callback secret, 32 bytes long!!").decode()
BODY = json.dumps({"type": "bulk_operation.finished", "id": "gid://shopify/BulkOperation/1"})


def signed(msg_id: str, *, at: datetime | None = None, secret: str = SECRET) -> dict[str, str]:
    stamp = at or datetime.now(tz=UTC)
    return {
        "Webhook-Id": msg_id,
        "Webhook-Timestamp": str(int(stamp.timestamp())),
        "Webhook-Signature": Webhook(secret).sign(msg_id, stamp, BODY),
    }


def test_a_valid_callback_is_accepted_once() -> None:
    verifier = CallbackVerifier(SECRET)
    payload = verifier.verify(BODY.encode(), signed("msg_1"))
    assert payload["type"] == "bulk_operation.finished"
    with pytest.raises(CallbackRejected, match="replay of msg_1"):
        verifier.verify(BODY.encode(), signed("msg_1"))


@pytest.mark.parametrize(
    ("headers", "reason"),
    [  # built when the test runs: a suite can take longer than the 5-minute window
        (lambda: signed("msg_old", at=datetime.now(tz=UTC) - timedelta(minutes=10)), "too old"),
        (lambda: signed("msg_new", at=datetime.now(tz=UTC) + timedelta(minutes=10)), "too new"),
        (
            lambda: signed("msg_x", secret="whsec_" + base64.b64encode(b"x" * 32).decode()),
            "No matching",
        ),
        (lambda: {"Webhook-Id": "msg_y"}, "Missing required headers"),
    ],
)
def test_bad_callbacks_are_refused(headers: Callable[[], dict[str, str]], reason: str) -> None:
    with pytest.raises(CallbackRejected, match=reason):
        CallbackVerifier(SECRET).verify(BODY.encode(), headers())


def test_a_tampered_body_is_refused() -> None:
    with pytest.raises(CallbackRejected, match="No matching"):
        CallbackVerifier(SECRET).verify(BODY.replace("1", "2").encode(), signed("msg_2"))
