"""The publish ledger: the outbox record of each (asset version, target), written before the
remote call.

None of the target APIs takes an idempotency key, so the connector keeps its own record:
``begin`` counts an attempt *before* the call and returns the receipt if that asset version
already reached that target; ``settle`` stores the receipt (the first one wins). What happens
between the two (the remote call) is made safe by the connector: it looks the object up by
the key it wrote into the remote (slug, metafield, tag) before creating anything.

``MemoryLedger`` is the reference; ``FileLedger`` (one JSON file per asset and target under
``<data_dir>/connectors/ledger``, written atomically under an ``flock``) is the default.

Why not a table or events in the content store: the connector runs in a worker thread and
must write its record synchronously before the call, while the content store is async and
owned by the run's event loop; the run already appends every receipt to the content store as
a ``publish_receipt`` event (``graph/service/store_record.py``), so the store still holds them all.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, Field

from tools.connectors.base import PublishItem, Receipt, asset_key
from tools.errors import StoreError


@dataclass(frozen=True)
class LedgerEntry:
    """What the ledger knows of one asset version at one target when an attempt begins."""

    attempts: int
    """Attempts so far, this one included."""
    receipt: Receipt | None
    """This version's receipt if it was already published there."""
    previous: Receipt | None
    """The newest receipt of any version of the same asset there (the object to update)."""


class PublishLedger(Protocol):
    """Records attempts before remote calls and receipts after them."""

    def begin(self, target: str, item: PublishItem) -> LedgerEntry:
        """Record an attempt of ``item`` at ``target``; say what is already known."""
        ...

    def settle(self, target: str, item: PublishItem, receipt: Receipt) -> Receipt:
        """Keep ``receipt`` unless one is already stored; return the stored one."""
        ...


class AssetRecord(BaseModel):
    """Everything one asset has at one target: attempts and receipts per version key."""

    target: str
    asset: str
    attempts: dict[str, int] = Field(default_factory=dict)
    receipts: dict[str, Receipt] = Field(default_factory=dict)
    latest: str = ""
    """Key of the newest receipt (the remote object's current state)."""

    def begin(self, item: PublishItem) -> LedgerEntry:
        self.attempts[item.key] = self.attempts.get(item.key, 0) + 1
        previous = self.receipts.get(self.latest) if self.latest else None
        return LedgerEntry(self.attempts[item.key], self.receipts.get(item.key), previous)

    def settle(self, item: PublishItem, receipt: Receipt) -> Receipt:
        if item.key not in self.receipts:
            self.receipts[item.key] = receipt
            self.latest = item.key
        return self.receipts[item.key]


class MemoryLedger:
    """The reference ledger: a dict (a process crash forgets it)."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], AssetRecord] = {}

    def _record(self, target: str, item: PublishItem) -> AssetRecord:
        asset = asset_key(item.thread_id, item.asset_id)
        return self.records.setdefault((target, asset), AssetRecord(target=target, asset=asset))

    def begin(self, target: str, item: PublishItem) -> LedgerEntry:
        return self._record(target, item).begin(item)

    def settle(self, target: str, item: PublishItem, receipt: Receipt) -> Receipt:
        return self._record(target, item).settle(item, receipt)


class FileLedger:
    """A JSON file per (target, asset); survives crashes; safe across processes."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def begin(self, target: str, item: PublishItem) -> LedgerEntry:
        with self._locked(target, item) as record:
            return record.begin(item)

    def settle(self, target: str, item: PublishItem, receipt: Receipt) -> Receipt:
        with self._locked(target, item) as record:
            return record.settle(item, receipt)

    def path(self, target: str, item: PublishItem) -> Path:
        """File of the asset's record at ``target`` (hashed: ids and URLs are not file names)."""
        asset = asset_key(item.thread_id, item.asset_id)
        digest = hashlib.sha256(f"{target}\n{asset}".encode()).hexdigest()[:32]
        return self.root / f"{digest}.json"

    @contextmanager
    def _locked(self, target: str, item: PublishItem) -> Iterator[AssetRecord]:
        path = self.path(target, item)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            lock = path.with_suffix(".lock").open("a")
        except OSError as error:
            raise StoreError(f"connector ledger {self.root} is not writable: {error}") from error
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            record = self._read(path, target, item)
            yield record
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(record.model_dump_json(), encoding="utf-8")
            os.replace(tmp, path)

    @staticmethod
    def _read(path: Path, target: str, item: PublishItem) -> AssetRecord:
        if not path.exists():
            return AssetRecord(target=target, asset=asset_key(item.thread_id, item.asset_id))
        try:
            return AssetRecord.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except ValueError as error:
            raise StoreError(f"connector ledger file {path} is unreadable: {error}") from error
