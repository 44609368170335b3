"""What brand memory hands out: recalled items, ingestion reports, brand profiles."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from tools.errors import InputError
from tools.memory.base import NEVER, MemoryKind, MetadataValue

MAX_BRAND_LENGTH = 64
"""Longest brand name, in characters."""


class MemoryItem(BaseModel):
    """One recalled piece of brand memory (a style rule, fact, past asset or preference)."""

    item_id: str
    brand: str
    kind: MemoryKind
    text: str
    """The stored text, handed to specialists as delimited data, never as instructions."""
    source: str
    """Where it came from: file and chunk, or ``thread/asset@version`` for a review."""
    score: float = 0.0
    """Cosine similarity to the query (0 where the item was not found by a query)."""
    created_at: datetime
    expires_at: datetime | None = None
    """None: never expires."""
    metadata: dict[str, MetadataValue] = Field(default_factory=dict)
    """Everything else stored with the item (model id/version, asset kind, decision ...)."""


class IngestReport(BaseModel):
    """What an ``add_files``/``add_texts`` call stored."""

    brand: str
    files: int = 0
    """Documents read (0 for ``add_texts``)."""
    chunks: int = 0
    """Chunks made from them (after cleaning)."""
    added: int = 0
    """New items written."""
    duplicates: int = 0
    """Chunks skipped because the same content is already stored (or repeated in the input)."""
    item_ids: list[str] = Field(default_factory=list)
    """Ids of every chunk, new or duplicate, in input order."""

    def __str__(self) -> str:
        """One line for users: what was read and what was stored."""
        read = f"{self.files} files, " if self.files else ""
        return (
            f"{read}{self.chunks} chunks: {self.added} added, {self.duplicates} duplicates skipped"
        )


class BrandProfile(BaseModel):
    """A brand's memory at a glance (cached in the hot tier)."""

    brand: str
    namespace: str
    counts: dict[str, int] = Field(default_factory=dict)
    """Stored items per kind (items past expiry count until swept)."""
    style_rules: list[str] = Field(default_factory=list)
    """Texts of up to 20 style rules, oldest first: the brand voice in short."""

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def brand_namespace(brand: str) -> str:
    """The memory namespace of ``brand``: a readable slug plus a hash of the exact name.

    Brand names are compared case-insensitively after trimming, so "Acme" and " acme " share a
    namespace while "Acme Co" and "acme-co" do not collide.
    """
    name = check_brand(brand).casefold()
    slug = re.sub(r"[^a-z0-9]+", "-", name).strip("-")[:40] or "brand"
    return f"{slug}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def check_brand(brand: object) -> str:
    """A trimmed brand name, or ``InputError`` for an empty, too long or control-char name."""
    if not isinstance(brand, str) or not brand.strip():
        raise InputError("a brand name is required")
    name = brand.strip()
    if len(name) > MAX_BRAND_LENGTH:
        raise InputError(f"brand names have at most {MAX_BRAND_LENGTH} characters")
    if any(ord(c) < 32 for c in name):
        raise InputError("brand names cannot contain control characters")
    return name


def item_id_for(kind: MemoryKind, *parts: str) -> str:
    """Deterministic item id: the kind plus a content hash (so repeating a write is a no-op)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"{kind}:{digest}"


def to_datetime(epoch_seconds: float) -> datetime | None:
    """Stored epoch seconds -> aware datetime (None for ``NEVER``)."""
    if epoch_seconds >= NEVER:
        return None
    return datetime.fromtimestamp(epoch_seconds, tz=UTC)
