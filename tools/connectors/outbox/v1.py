"""Filesystem outbox, version 1: a markdown file per asset version plus a JSON receipt.

Layout under ``root``: ``<thread_id>/<asset_id>.v<version>.md`` and ``... .receipt.json``.
The receipt is hard-linked into place (atomic, exclusive) once the markdown is written; it is
the commit point: a crash before it leaves only a markdown file that the next attempt rewrites
with the same bytes; once it exists, publishing again reads it and writes nothing.

Temporary files are named ``<stem>.<pid>-<random>.tmp``: a writer killed mid-write (SIGKILL)
leaves one behind, and the next publish of that asset version removes the ones whose process
is gone (never a live writer's).
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from tools.connectors.base import PublishItem, Receipt, iso_utc
from tools.errors import InputError, StoreError

if TYPE_CHECKING:
    from tools.connectors.registry import ConnectorParts

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def _safe(part: str, what: str) -> str:
    if not _SAFE_NAME.match(part):
        raise InputError(f"{what} {part!r} cannot be used as a file name")
    return part


def render_markdown(item: PublishItem) -> str:
    """The published document: title, body, then kind-specific fields and tags."""
    lines = [f"# {item.title or item.asset_id}", "", item.text.strip(), ""]
    for name, value in sorted(item.fields.items()):
        lines += [f"**{name}:** {value}", ""]
    meta = {"asset_id": item.asset_id, "version": item.version, "kind": item.asset_kind}
    meta |= {"channel": item.channel, **item.tags}
    if item.publish_at is not None:  # recorded for whoever ships the file, never acted on
        meta["publish_at"] = iso_utc(item.publish_at)
    lines.append("<!-- " + json.dumps(meta, sort_keys=True) + " -->")
    return "\n".join(lines) + "\n"


class OutboxConnector:
    """Publishes into a folder; idempotent per (thread, asset, version)."""

    name = "outbox/v1"

    def __init__(self, root: Path) -> None:
        self.root = root

    def check(self) -> str:
        """The outbox folder exists or can be made, and is writable."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".check.{_tmp_tag()}.tmp"
            probe.write_text("ok", encoding="utf-8")
            probe.unlink()
        except OSError as error:
            raise StoreError(f"outbox/v1: folder {self.root} is not writable: {error}") from error
        return f"writes markdown files into {self.root}"

    def paths(self, item: PublishItem) -> tuple[Path, Path]:
        """The markdown and receipt paths of an item."""
        folder = self.root / _safe(item.thread_id, "thread id")
        stem = f"{_safe(item.asset_id, 'asset id')}.v{item.version}"
        return folder / f"{stem}.md", folder / f"{stem}.receipt.json"

    def publish(self, item: PublishItem) -> Receipt:
        markdown_path, receipt_path = self.paths(item)
        _remove_stale_tmp(markdown_path.parent, markdown_path.stem)
        existing = self._read_receipt(receipt_path)
        if existing is not None:
            return existing
        markdown_path.parent.mkdir(parents=True, exist_ok=True)
        self._write_atomic(markdown_path, render_markdown(item))
        receipt = Receipt(
            receipt_id=uuid.uuid4().hex,
            connector=self.name,
            idempotency_key=item.key,
            asset_id=item.asset_id,
            version=item.version,
            location=str(markdown_path),
            published_at=time.time(),
            scheduled_for=iso_utc(item.publish_at) if item.publish_at else "",
        )
        tmp = receipt_path.with_suffix(f".{_tmp_tag()}.tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(receipt.model_dump_json(indent=2))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, receipt_path)  # atomic and exclusive: the commit point
        except FileExistsError:  # a concurrent publisher won: its receipt is the first one
            return self._read_receipt(receipt_path) or receipt
        finally:
            tmp.unlink(missing_ok=True)
        return receipt

    @staticmethod
    def _write_atomic(path: Path, text: str) -> None:
        tmp = path.with_suffix(path.suffix + f".{_tmp_tag()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)

    @staticmethod
    def _read_receipt(path: Path) -> Receipt | None:
        if not path.exists():
            return None
        try:
            return Receipt.model_validate_json(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise StoreError(f"outbox receipt {path} is unreadable: {error}") from error


def _tmp_tag() -> str:
    """``<pid>-<random>``: unique, and says which process wrote the temporary file."""
    return f"{os.getpid()}-{uuid.uuid4().hex}"


def _writer_gone(tmp: Path) -> bool:
    """Whether the process that wrote ``tmp`` is gone (files without a pid: from an older
    version, so gone too)."""
    tag = tmp.name.rsplit(".", 2)[-2]
    pid_text = tag.partition("-")[0] if "-" in tag else ""
    if not pid_text.isdigit():
        return True
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _remove_stale_tmp(folder: Path, stem: str) -> None:
    """Remove the temporary files of ``stem`` (``asset.vN``) left by killed writers."""
    if not folder.is_dir():
        return
    for tmp in folder.glob(f"{stem}.*.tmp"):
        if _writer_gone(tmp):
            tmp.unlink(missing_ok=True)


def from_settings(parts: ConnectorParts) -> OutboxConnector:
    """The outbox under the data dir (it has no drafts: files are the published form)."""
    return OutboxConnector(parts.settings.outbox_dir or parts.settings.data_dir / "outbox")
