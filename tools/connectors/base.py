"""The connector interface: publish one asset version, idempotently.

A connector must return the *first* receipt when the same asset version is published again
(the graph may re-run the publisher after a crash or a resume), so every implementation keys
its writes by ``idempotency_key``.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field


def idempotency_key(thread_id: str, asset_id: str, version: int) -> str:
    """The key that makes publishing an asset version happen once: ``thread/asset@vN``."""
    return f"{thread_id}/{asset_id}@v{version}"


class PublishItem(BaseModel):
    """One approved asset version, ready to ship."""

    thread_id: str
    asset_id: str
    version: int
    asset_kind: str
    channel: str
    title: str = ""
    text: str
    fields: dict[str, str] = Field(default_factory=dict)
    """Kind-specific parts (``meta_description``, ``alt_text`` ...)."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Predicted tone and category."""
    product: dict[str, str] = Field(default_factory=dict)
    """The product row (``sku``, ``handle``, ``name`` ...) of a per-product asset, so a shop
    connector can find the product to update; empty for other assets."""

    @property
    def key(self) -> str:
        return idempotency_key(self.thread_id, self.asset_id, self.version)


class Receipt(BaseModel):
    """Proof that a connector shipped an asset version."""

    receipt_id: str
    connector: str
    """Connector name and version, e.g. ``outbox/v1``."""
    idempotency_key: str
    asset_id: str
    version: int
    location: str
    """Where the asset now lives (a path, a URL, a remote id)."""
    published_at: float
    """Unix time of the first publish."""
    remote_id: str = ""
    """The remote object's id (post id, product gid); empty for the outbox."""
    url: str = ""
    """The remote object's URL (admin or public), when the remote gives one."""
    remote_version: str = ""
    """The remote object's version after the write (``updated_at``, ``updatedAt``): the
    precondition of the next update of the same object."""
    live: bool = False
    """Whether the item went live; drafts-first connectors leave it unpublished."""


def asset_key(thread_id: str, asset_id: str) -> str:
    """The key of the remote object an asset maps to (every version updates the same one)."""
    return f"{thread_id}/{asset_id}"


class Connector(Protocol):
    """Ships approved assets somewhere. ``publish`` must be idempotent per ``item.key``."""

    name: str
    """``outbox/v1``, ``wordpress/v2`` ..."""

    def publish(self, item: PublishItem) -> Receipt:
        """Publish once; publishing the same key again returns the first receipt unchanged."""
        ...


class CheckableConnector(Connector, Protocol):
    """A connector that ``brandloom connectors check`` can probe."""

    def check(self) -> str:
        """Authenticate and reach the target; one line saying what was reached.

        Raises ``ConnectorAuthFailed`` or ``ConnectorUnavailable`` (one line, no secret).
        """
        ...
