"""The filesystem outbox: a markdown file and a receipt per asset version, published once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tools.connectors import OutboxConnector, PublishItem
from tools.errors import InputError, StoreError


def item(version: int = 1, text: str = "Spring is here.") -> PublishItem:
    return PublishItem(
        thread_id="camp-1", asset_id="social_post-01", version=version, asset_kind="social_post",
        channel="instagram", title="Spring", text=text, fields={"alt_text": "linen"},
        tags={"tone": "friendly"},
    )  # fmt: skip


def test_publish_writes_markdown_and_a_receipt(tmp_path: Path) -> None:
    receipt = OutboxConnector(tmp_path).publish(item())
    markdown = tmp_path / "camp-1" / "social_post-01.v1.md"
    assert (
        receipt.location == str(markdown) and receipt.idempotency_key == "camp-1/social_post-01@v1"
    )
    body = markdown.read_text()
    assert body.startswith("# Spring\n\nSpring is here.") and "**alt_text:** linen" in body
    stored = json.loads((tmp_path / "camp-1" / "social_post-01.v1.receipt.json").read_text())
    assert stored["receipt_id"] == receipt.receipt_id and stored["connector"] == "outbox/v1"


def test_publishing_the_same_version_twice_writes_once(tmp_path: Path) -> None:
    outbox = OutboxConnector(tmp_path)
    first = outbox.publish(item())
    markdown = tmp_path / "camp-1" / "social_post-01.v1.md"
    stamp = markdown.stat().st_mtime_ns
    again = outbox.publish(item(text="a different text for the same version"))
    assert again == first
    assert markdown.stat().st_mtime_ns == stamp and "Spring is here." in markdown.read_text()
    assert sorted(p.name for p in markdown.parent.iterdir()) == [
        "social_post-01.v1.md", "social_post-01.v1.receipt.json",
    ]  # fmt: skip


def test_a_new_version_is_a_new_publication(tmp_path: Path) -> None:
    outbox = OutboxConnector(tmp_path)
    assert outbox.publish(item(1)).receipt_id != outbox.publish(item(2)).receipt_id


def test_concurrent_publishers_share_the_first_receipt(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        receipts = list(pool.map(lambda _: OutboxConnector(tmp_path).publish(item()), range(16)))
    assert len({r.receipt_id for r in receipts}) == 1


def test_a_crash_before_the_receipt_is_completed_by_the_next_attempt(tmp_path: Path) -> None:
    markdown = tmp_path / "camp-1" / "social_post-01.v1.md"
    markdown.parent.mkdir(parents=True)
    markdown.write_text("half-written")
    receipt = OutboxConnector(tmp_path).publish(item())
    assert "Spring is here." in markdown.read_text() and receipt.version == 1


@pytest.mark.parametrize("asset_id", ["../escape", "a/b", "", ".hidden"])
def test_unsafe_ids_are_refused_before_writing(tmp_path: Path, asset_id: str) -> None:
    bad = item().model_copy(update={"asset_id": asset_id})
    with pytest.raises(InputError):
        OutboxConnector(tmp_path / "out").publish(bad)
    assert not (tmp_path / "out").exists()


def test_an_unreadable_receipt_is_a_store_error(tmp_path: Path) -> None:
    receipt = tmp_path / "camp-1" / "social_post-01.v1.receipt.json"
    receipt.parent.mkdir(parents=True)
    receipt.write_text("{not json")
    with pytest.raises(StoreError, match="unreadable"):
        OutboxConnector(tmp_path).publish(item())


def test_publish_removes_temporary_files_of_killed_writers_only(tmp_path: Path) -> None:
    """A writer SIGKILLed mid-publish leaves ``.tmp`` files; the next publish of that version
    (the resume) removes them, but never a live writer's."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    folder = tmp_path / "camp-1"
    folder.mkdir()
    stale = [
        folder / f"social_post-01.v1.receipt.{child.pid}-abc.tmp",
        folder / f"social_post-01.v1.md.{child.pid}-def.tmp",
        folder / "social_post-01.v1.receipt.0123abcd.tmp",  # older naming: no pid
    ]
    live = folder / f"social_post-01.v1.receipt.{os.getppid()}-ghi.tmp"
    other_version = folder / f"social_post-01.v10.md.{child.pid}-jkl.tmp"
    for path in [*stale, live, other_version]:
        path.write_text("partial")
    OutboxConnector(tmp_path).publish(item())
    assert not any(path.exists() for path in stale)
    assert live.exists() and other_version.exists()
    assert (folder / "social_post-01.v1.receipt.json").exists()


def test_publish_at_is_recorded_in_the_file_and_the_receipt(tmp_path: Path) -> None:
    when = datetime(2026, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    receipt = OutboxConnector(tmp_path).publish(item().model_copy(update={"publish_at": when}))
    body = (tmp_path / "camp-1" / "social_post-01.v1.md").read_text()
    assert '"publish_at": "2026-05-01T07:30:00Z"' in body
    assert receipt.scheduled_for == "2026-05-01T07:30:00Z"


def test_a_publish_at_without_a_zone_is_utc() -> None:
    naive = PublishItem.model_validate(item().model_dump() | {"publish_at": "2026-05-01T09:30"})
    assert naive.publish_at == datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="publish_at"):
        PublishItem.model_validate(item().model_dump() | {"publish_at": "next tuesday"})
