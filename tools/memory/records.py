"""Building stored records (chunks, reviewer preferences, re-embeddings) and reading them back."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from tools.errors import InputError
from tools.memory.base import (
    NEVER,
    MemoryKind,
    MemoryStore,
    MetadataValue,
    QueryMatch,
    VectorRecord,
)
from tools.memory.ingest import Chunk, clean_text
from tools.memory.items import MemoryItem, item_id_for, to_datetime

ProgressCallback = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stages: ``read``, ``embed``, ``store``."""
EMBED_SLICE = 64
"""Texts embedded between two progress reports."""
REVIEW_FIELD_CHARS = 4000
"""Longest before/after/reason kept in a reviewer preference's metadata."""
REVIEW_TEXT_CHARS = 600
"""Longest before/after quoted in a reviewer preference's recalled text."""
_FETCH_CHUNK = 100


class TextEmbedder(Protocol):
    """What memory needs from an embedder (``tools.embeddings.Embedder``)."""

    model_id: str
    model_version: str
    dimension: int

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> NDArray[np.float32]: ...


def content_key(text: str) -> str:
    """What de-duplication compares: the cleaned text with whitespace collapsed."""
    return re.sub(r"\s+", " ", text).strip()


def query_key(
    embedder: TextEmbedder,
    query: str,
    kinds: Sequence[str] | None,
    top_k: int,
    asset_kind: str | None,
) -> str:
    """Hot-tier key of one recall query (model, filters and text)."""
    parts = [
        embedder.model_id,
        embedder.model_version,
        sorted(kinds or []),
        top_k,
        asset_kind,
        query,
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:40]


def embed_in_slices(
    embedder: TextEmbedder, texts: list[str], progress: ProgressCallback | None
) -> NDArray[np.float32]:
    """Embed ``texts``, reporting progress every ``EMBED_SLICE`` texts."""
    parts = []
    for start in range(0, len(texts), EMBED_SLICE):
        parts.append(embedder.embed(texts[start : start + EMBED_SLICE]))
        if progress:
            progress("embed", min(start + EMBED_SLICE, len(texts)), len(texts))
    return np.concatenate(parts) if parts else np.empty((0, embedder.dimension), np.float32)


def chunk_records(
    embedder: TextEmbedder,
    brand: str,
    kind: MemoryKind,
    chunks: Mapping[str, Chunk],
    *,
    now: float,
    expires_at: float = NEVER,
    progress: ProgressCallback | None = None,
) -> list[VectorRecord]:
    """One record per ``item_id -> chunk``, embedded with ``embedder``."""
    vectors = embed_in_slices(embedder, [c.text for c in chunks.values()], progress)
    return [
        VectorRecord(
            item_id,
            vector,
            _metadata(embedder, brand, kind, chunk.text, chunk.source, now, expires_at),
        )
        for (item_id, chunk), vector in zip(chunks.items(), vectors, strict=True)
    ]


def review_record(
    embedder: TextEmbedder,
    *,
    brand: str,
    asset_kind: str,
    before: str,
    after: str,
    reason: str,
    decision: Literal["edit", "reject"],
    source: str,
    now: float,
) -> VectorRecord:
    """A reviewer preference: the text says what changed and why, for the next writer."""
    if decision not in ("edit", "reject"):
        raise InputError(f"decision must be edit or reject, not {decision!r}")
    before, after, reason = (clean_text(t or "") for t in (before, after, reason))
    if not asset_kind or not source:
        raise InputError("a reviewer preference needs the asset kind and its source")
    if decision == "edit" and not after:
        raise InputError("an edit needs the edited text")
    if not (before or reason):
        raise InputError("a reviewer preference needs the original text or a reason")
    text = _review_text(asset_kind, before, after, reason, decision)
    metadata = _metadata(embedder, brand, "reviewer_preference", text, source, now, NEVER)
    metadata.update(
        asset_kind=asset_kind,
        decision=decision,
        before=before[:REVIEW_FIELD_CHARS],
        after=after[:REVIEW_FIELD_CHARS],
        reason=reason[:REVIEW_FIELD_CHARS],
    )
    item_id = item_id_for("reviewer_preference", source, before, after)
    return VectorRecord(item_id, embedder.embed([text])[0], metadata)


def _review_text(asset_kind: str, before: str, after: str, reason: str, decision: str) -> str:
    why = reason or "no reason given"
    quote_before = before[:REVIEW_TEXT_CHARS]
    if decision == "reject":
        return f"{asset_kind} reviewer preference (rejected draft): {why}\nRejected: {quote_before}"
    return (
        f"{asset_kind} reviewer preference (edited draft): {why}\n"
        f"Before: {quote_before}\nAfter: {after[:REVIEW_TEXT_CHARS]}"
    )


def _metadata(
    embedder: TextEmbedder,
    brand: str,
    kind: MemoryKind,
    text: str,
    source: str,
    now: float,
    expires_at: float,
) -> dict[str, MetadataValue]:
    return {
        "brand": brand,
        "kind": kind,
        "text": text,
        "source": source,
        "created_at": now,
        "expires_at": expires_at,
        "model_id": embedder.model_id,
        "model_version": embedder.model_version,
    }


def stale_records(
    store: MemoryStore,
    namespace: str,
    embedder: TextEmbedder,
    progress: ProgressCallback | None,
) -> list[VectorRecord]:
    """The namespace's records made by another model, re-embedded with ``embedder``."""
    ids = store.list_ids(namespace)
    stale: list[VectorRecord] = []
    for start in range(0, len(ids), _FETCH_CHUNK):
        found = store.fetch(namespace, ids[start : start + _FETCH_CHUNK], now=0.0)
        stale.extend(
            r
            for r in found.values()
            if (r.metadata.get("model_id"), r.metadata.get("model_version"))
            != (embedder.model_id, embedder.model_version)
        )
    vectors = embed_in_slices(embedder, [str(r.metadata["text"]) for r in stale], progress)
    return [
        VectorRecord(
            r.item_id,
            vector,
            {**r.metadata, "model_id": embedder.model_id, "model_version": embedder.model_version},
        )
        for r, vector in zip(stale, vectors, strict=True)
    ]


def to_item(brand: str, match: QueryMatch) -> MemoryItem:
    """A query match as a ``MemoryItem``."""
    meta = dict(match.metadata)
    core = {
        k: meta.pop(k, None)
        for k in ("brand", "kind", "text", "source", "created_at", "expires_at")
    }
    return MemoryItem(
        item_id=match.item_id,
        brand=str(core["brand"] or brand),
        kind=core["kind"],  # type: ignore[arg-type]
        text=str(core["text"]),
        source=str(core["source"]),
        score=match.score,
        created_at=to_datetime(float(core["created_at"] or 0)) or to_datetime(0),  # type: ignore[arg-type]
        expires_at=to_datetime(float(core["expires_at"] or NEVER)),  # type: ignore[arg-type]
        metadata=meta,
    )
