"""webhook/v1 against a real Standard Webhooks receiver on loopback."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.tools.connectors.webhook_receiver import Receiver, Scripted, running_receiver
from tools.connectors.base import PublishItem
from tools.connectors.errors import ConnectorAuthFailed, ConnectorUnavailable, PublishRefused
from tools.connectors.ledger import FileLedger
from tools.connectors.registry import ConnectorParts, build
from tools.connectors.remote import RemoteObject
from tools.connectors.webhook.v1 import WebhookConnector, message_id
from tools.settings import Settings

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def item(version: int = 1, text: str = "Spring is here.") -> PublishItem:
    return PublishItem(
        thread_id="camp-1", asset_id="social_post-01", version=version,
        asset_kind="social_post", channel="social_post", title="Spring", text=text,
    )  # fmt: skip


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver(SECRET) as running:
        yield running


def connector(
    receiver: Receiver, root: Path, *, secret: str = SECRET, retries: int = 3, timeout: float = 2
) -> tuple[WebhookConnector, list[float]]:
    settings = Settings(
        _env_file=None, data_dir=root, webhook_url=receiver.url, webhook_secret=secret,
        connector_max_retries=retries, connector_backoff_seconds=0.01,
    )  # fmt: skip
    delays: list[float] = []
    parts = ConnectorParts(
        settings=settings, ledger=FileLedger(root / "ledger"),
        client=httpx.Client(timeout=timeout), sleep=delays.append,
    )  # fmt: skip
    built = build("webhook/v1", parts)
    assert isinstance(built, WebhookConnector)
    return built, delays


def test_publish_is_signed_and_verified_by_the_receiver(receiver: Receiver, tmp_path: Path) -> None:
    hook, _ = connector(receiver, tmp_path)
    receipt = hook.publish(item())
    assert receiver.deliveries == 1 and not receiver.rejected
    (event,) = receiver.objects.values()
    assert event["type"] == "asset.draft"
    assert event["data"]["key"] == "camp-1/social_post-01@v1"  # type: ignore[index]
    assert receipt.connector == "webhook/v1" and receipt.remote_id.startswith("obj-")
    assert receipt.live is False


def test_republish_returns_the_same_receipt_and_sends_nothing(
    receiver: Receiver, tmp_path: Path
) -> None:
    hook, _ = connector(receiver, tmp_path)
    first = hook.publish(item())
    again, _ = connector(receiver, tmp_path)  # a new process: the ledger is on disk
    assert again.publish(item()) == first
    assert receiver.deliveries == 1


def test_crash_between_delivery_and_receipt_redelivers_the_same_id(
    receiver: Receiver, tmp_path: Path
) -> None:
    hook, _ = connector(receiver, tmp_path)
    hook.ledger.begin(hook.target, item())  # the attempt was recorded ...
    hook._deliver(item(), "asset.draft")  # ... the POST landed, then the process died
    resumed, _ = connector(receiver, tmp_path)
    resumed.publish(item())
    assert receiver.deliveries == 2 and len(receiver.objects) == 1  # receiver dropped the copy


def test_a_new_version_is_sent_as_an_update_of_the_first(
    receiver: Receiver, tmp_path: Path
) -> None:
    hook, _ = connector(receiver, tmp_path)
    first = hook.publish(item())
    second = hook.publish(item(version=2, text="Edited by a person."))
    assert second.remote_id != first.remote_id and len(receiver.objects) == 2
    update = [e for e in receiver.objects.values() if e["type"] == "asset.updated"]
    assert update[0]["data"]["replaces"] == first.remote_id  # type: ignore[index]


def test_429_and_5xx_are_retried_with_backoff_and_retry_after(
    receiver: Receiver, tmp_path: Path
) -> None:
    receiver.script = [Scripted(429, {"Retry-After": "2"}), Scripted(503)]
    hook, delays = connector(receiver, tmp_path)
    hook.publish(item())
    assert delays == [2.0, 0.02] and receiver.deliveries == 1


def test_timeouts_are_retried(receiver: Receiver, tmp_path: Path) -> None:
    receiver.script = [Scripted(200, delay=0.5)]
    hook, delays = connector(receiver, tmp_path, timeout=0.2)
    hook.publish(item())
    assert len(delays) == 1 and receiver.deliveries == 1


def test_a_wrong_secret_is_refused_by_the_receiver_in_one_line_without_the_secret(
    receiver: Receiver, tmp_path: Path
) -> None:
    wrong = "whsec_" + base64.b64encode(b"another secret, not the receiver").decode()
    hook, _ = connector(receiver, tmp_path, secret=wrong)
    with pytest.raises(ConnectorAuthFailed) as raised:
        hook.publish(item())
    message = raised.value.user_message
    assert "401" in message and "\n" not in message and wrong not in message
    assert wrong.removeprefix("whsec_") not in message


def test_a_malformed_secret_is_a_config_error_without_the_secret(tmp_path: Path) -> None:
    with running_receiver(SECRET) as receiver, pytest.raises(ConnectorAuthFailed) as raised:
        connector(receiver, tmp_path, secret="not-base64-!!")
    assert "not-base64" not in raised.value.user_message


def test_other_4xx_fail_that_item(receiver: Receiver, tmp_path: Path) -> None:
    receiver.script = [Scripted(422)]
    hook, delays = connector(receiver, tmp_path)
    with pytest.raises(PublishRefused, match="HTTP 422: scripted"):
        hook.publish(item())
    assert delays == []


def test_remote_down_is_unavailable_after_the_retries(tmp_path: Path) -> None:
    with running_receiver(SECRET) as receiver:
        url = receiver.url
    down = Receiver(SECRET, url=url)  # the server is gone: connections are refused
    hook, delays = connector(down, tmp_path, retries=2)
    with pytest.raises(ConnectorUnavailable, match="cannot reach") as raised:
        hook.publish(item())
    assert len(delays) == 2 and raised.value.exit_code == 7
    assert SECRET not in raised.value.user_message


def test_a_rollback_is_a_new_delivery_updating_the_same_asset(
    receiver: Receiver, tmp_path: Path
) -> None:
    hook, _ = connector(receiver, tmp_path)
    first = hook.publish(item())
    second = hook.publish(item(version=2, text="Edited by a person."))
    rollback = item(version=3)  # ``brandloom assets rollback --to-version 1``: v3 = v1's text
    hook.ledger.begin(hook.target, rollback)
    hook.update(rollback, hook.find(rollback, second) or _nothing())  # delivered, then a crash
    resumed, _ = connector(receiver, tmp_path)
    third = resumed.publish(rollback)
    ids = [message_id(hook.target, item(version=v).key) for v in (1, 2, 3)]
    assert list(receiver.objects) == ids and len(set(ids)) == 3  # a new id per version
    assert receiver.deliveries == 4  # v3 twice, under the same webhook-id: dropped once
    event = receiver.objects[ids[2]]
    assert event["type"] == "asset.updated"
    assert event["data"]["text"] == "Spring is here."  # type: ignore[index]
    assert event["data"]["replaces"] == second.remote_id != first.remote_id  # type: ignore[index]
    assert third.version == 3 and third.remote_version == ids[2]


def _nothing() -> RemoteObject:
    return RemoteObject("", "", "", "")


def test_publish_at_is_sent_and_recorded_for_a_live_channel(
    receiver: Receiver, tmp_path: Path
) -> None:
    settings = Settings(
        _env_file=None, data_dir=tmp_path, webhook_url=receiver.url, webhook_secret=SECRET,
    )  # fmt: skip
    parts = ConnectorParts(
        settings=settings, ledger=FileLedger(tmp_path / "ledger"), client=httpx.Client(), live=True
    )
    hook = build("webhook/v1", parts)
    when = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
    receipt = hook.publish(item().model_copy(update={"publish_at": when}))
    (event,) = receiver.objects.values()
    assert event["data"]["publish_at"] == "2030-05-01T09:00:00Z"  # type: ignore[index]
    assert receipt.scheduled_for == "2030-05-01T09:00:00Z"
