"""The connector interface: publish one asset version, idempotently.

A connector must return the *first* receipt when the same asset version is published again
(the graph may re-run the publisher after a crash or a resume), so every implementation keys
its writes by ``idempotency_key``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from pydantic import BaseModel, Field, field_validator


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
    publish_at: datetime | None = None
    """When the asset should go live (the plan row's ``publish_at``); None: at once. Only a
    live channel schedules: drafts stay drafts whatever the time."""

    @field_validator("publish_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """A time without a zone is UTC; every time is kept in UTC."""
        if value is None:
            return None
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)

    @property
    def key(self) -> str:
        return idempotency_key(self.thread_id, self.asset_id, self.version)

    def scheduled(self, now: float) -> datetime | None:
        """``publish_at`` if it is still ahead of ``now`` (unix time); a time already past
        publishes at once (remotes refuse to schedule into the past)."""
        if self.publish_at is None or self.publish_at.timestamp() <= now:
            return None
        return self.publish_at


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
    scheduled_for: str = ""
    """ISO UTC time the remote will make the item live (a scheduled publish); empty if not."""


def iso_utc(moment: datetime) -> str:
    """``2026-05-01T09:00:00Z``: the form every connector sends and records."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
