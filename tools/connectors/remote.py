"""The publish flow shared by every remote connector: ledger, look-up, create or update.

``publish`` records the attempt in the ledger first; a version already settled returns its
receipt. Otherwise the connector looks the asset's remote object up by the key it wrote into
it (``find``): carrying this version's key means the call before a crash did land, so nothing
is sent; another key means an older version (or a human edit of it): ``update`` it under the
remote's version precondition; nothing found: ``create`` it. A connector implements those
three methods (and ``check``); the flow and the receipt are built here.
"""

from __future__ import annotations

import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from tools.connectors.base import PublishItem, Receipt
from tools.connectors.ledger import PublishLedger


@dataclass(frozen=True)
class RemoteObject:
    """What a connector knows of the remote object an asset maps to."""

    remote_id: str
    url: str
    remote_version: str
    """``updated_at`` or equivalent: the precondition of the next update."""
    publish_key: str
    """The ``PublishItem.key`` whose content the object holds (read back from the remote)."""
    live: bool = False
    scheduled_for: str = ""
    """ISO UTC time the remote will publish the object (``iso_utc``); empty if not scheduled."""


class RemoteConnector(ABC):
    """Idempotent publishing on top of ``find``/``create``/``update``."""

    name: str

    def __init__(
        self,
        ledger: PublishLedger,
        *,
        target: str,
        live: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ledger = ledger
        self.target = target
        """What identifies the remote (name and base URL): ledger records are per target."""
        self.live = live
        """Publish live at once; False (the default) creates drafts."""
        self.clock = clock

    def publish(self, item: PublishItem) -> Receipt:
        entry = self.ledger.begin(self.target, item)
        if entry.receipt is not None:
            return entry.receipt
        found = self.find(item, entry.previous)
        if found is not None and found.publish_key == item.key:
            remote = found
        elif found is not None:
            remote = self.update(item, found)
        else:
            remote = self.create(item)
        return self.ledger.settle(self.target, item, self.receipt(item, remote))

    def receipt(self, item: PublishItem, remote: RemoteObject) -> Receipt:
        return Receipt(
            receipt_id=uuid.uuid4().hex,
            connector=self.name,
            idempotency_key=item.key,
            asset_id=item.asset_id,
            version=item.version,
            location=remote.url or remote.remote_id,
            published_at=self.clock(),
            remote_id=remote.remote_id,
            url=remote.url,
            remote_version=remote.remote_version,
            live=remote.live,
            scheduled_for=remote.scheduled_for,
        )

    @abstractmethod
    def find(self, item: PublishItem, previous: Receipt | None) -> RemoteObject | None:
        """The asset's remote object (looked up by key, or by ``previous.remote_id``)."""

    @abstractmethod
    def create(self, item: PublishItem) -> RemoteObject:
        """Create the remote object for the first published version."""

    @abstractmethod
    def update(self, item: PublishItem, current: RemoteObject) -> RemoteObject:
        """Replace ``current``'s content with ``item`` (precondition: its remote version)."""

    @abstractmethod
    def check(self) -> str:
        """Authenticate and reach the remote; one line saying what was reached."""
