"""``BrandMemory``: what agents, the graph, the CLI and the chat call (store + embedder + hot tier).

- ``recall`` embeds all queries of a step in one batch and answers from the Redis hot tier
  when it can. A brand with no memory yet recalls nothing (no error): new brands can run
  campaigns before their kit is uploaded. Reviewer preferences get up to ``PREFERENCE_SLOTS``
  places in every result, so a reviewer's edit reaches the next draft.
- Writes (``add_files``, ``add_texts``, ``remember_review``, ``forget``, ``reindex``) need the
  ``editor`` or ``approver`` role: ``PermissionDenied`` otherwise. The role is the instance's
  (``open_memory(role=...)``, ``with_role``) unless a call passes its own.
- Every write validates and embeds everything first and then stores in one upsert, so bad
  input (unreadable or empty file, wrong-dimension vector, unknown brand) changes nothing.
- Every vector is stored with the embedding model id and version; ``reindex`` re-embeds the
  items another model version produced.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from tools.errors import ConfigError, InputError, NotFoundError, PermissionDenied
from tools.memory.base import (
    MEMORY_KINDS,
    NEVER,
    MemoryKind,
    MemoryStore,
    VectorRecord,
    epoch_seconds,
)
from tools.memory.filters import MetadataFilter
from tools.memory.hot import HotTier
from tools.memory.ingest import Chunk, Chunking, chunk_text, clean_text, read_chunks
from tools.memory.items import (
    BrandProfile,
    IngestReport,
    MemoryItem,
    brand_namespace,
    check_brand,
    item_id_for,
)
from tools.memory.recall import PREFERENCE_SLOTS, checked_queries, merge_preferences, recall_filters
from tools.memory.records import (
    ProgressCallback,
    TextEmbedder,
    chunk_records,
    content_key,
    query_key,
    review_record,
    stale_records,
    to_item,
)

MemoryRole = Literal["viewer", "editor", "approver"]
"""Who is acting; only editors and approvers may write memory."""
WRITE_ROLES: tuple[MemoryRole, ...] = ("editor", "approver")


class BrandMemory:
    """Brand memory for every brand, one namespace each."""

    def __init__(
        self,
        store: MemoryStore,
        embedder: Callable[[], TextEmbedder],
        hot: HotTier | None = None,
        *,
        role: MemoryRole = "editor",
        chunking: Chunking | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.hot = hot
        self.role: MemoryRole = role
        self.chunking = chunking or Chunking()
        self.clock = clock
        self._embedder_factory = embedder
        self._embedder: TextEmbedder | None = None

    @property
    def embedder(self) -> TextEmbedder:
        """The embedder, loaded on first use; its dimension must match the store's."""
        if self._embedder is None:
            embedder = self._embedder_factory()
            if embedder.dimension != self.store.dimension:
                raise ConfigError(
                    f"the embedding model makes {embedder.dimension}-dimensional vectors, the "
                    f"memory index holds {self.store.dimension}: use a new index"
                )
            self._embedder = embedder
        return self._embedder

    def with_role(self, role: MemoryRole) -> BrandMemory:
        """The same memory acting as ``role`` (e.g. the signed-in chat user's)."""
        view = BrandMemory(
            self.store,
            self._embedder_factory,
            self.hot,
            role=role,
            chunking=self.chunking,
            clock=self.clock,
        )
        view._embedder = self._embedder
        return view

    # --- reading ---------------------------------------------------------------------------
    def recall(
        self,
        brand: str,
        queries: list[str],
        *,
        kinds: list[MemoryKind] | None = None,
        top_k: int = 5,
        asset_kind: str | None = None,
    ) -> list[list[MemoryItem]]:
        """The ``top_k`` items most similar to each query (one embedding batch for all).

        ``asset_kind`` limits reviewer preferences to those given for that kind of asset.
        """
        namespace, texts = brand_namespace(brand), checked_queries(queries, top_k)
        main_filter, pref_filter = recall_filters(kinds, asset_kind)
        embedder = self.embedder
        keys = [query_key(embedder, q, kinds, top_k, asset_kind) for q in texts]
        generation = self.hot.generation(namespace) if self.hot else -1
        cached = (
            self.hot.get_recalls(namespace, generation, keys) if self.hot else [None] * len(keys)
        )
        missing = {k: q for k, q, hit in zip(keys, texts, cached, strict=True) if hit is None}
        fresh: dict[str, list[MemoryItem]] = {}
        if missing:
            vectors = embedder.embed(list(missing.values()))
            for key, vector in zip(missing, vectors, strict=True):
                fresh[key] = self._search(brand, namespace, vector, top_k, main_filter, pref_filter)
            if self.hot:
                self.hot.put_recalls(namespace, generation, fresh, self.clock())
        return [hit if hit is not None else fresh[k] for k, hit in zip(keys, cached, strict=True)]

    def search(
        self,
        brand: str,
        query: str | Sequence[float],
        *,
        top_k: int = 5,
        metadata_filter: MetadataFilter | None = None,
    ) -> list[MemoryItem]:
        """Uncached search by text or by vector, with any metadata filter."""
        vector = self.embedder.embed([clean_text(query)])[0] if isinstance(query, str) else query
        matches = self.store.query(
            brand_namespace(brand),
            np.asarray(vector, dtype=np.float32),
            top_k=top_k,
            metadata_filter=metadata_filter,
            now=self.clock(),
        )
        return [to_item(check_brand(brand), m) for m in matches]

    def _search(
        self,
        brand: str,
        namespace: str,
        vector: NDArray[np.float32],
        top_k: int,
        main_filter: MetadataFilter | None,
        pref_filter: MetadataFilter | None,
    ) -> list[MemoryItem]:
        now = self.clock()
        found = self.store.query(
            namespace, vector, top_k=top_k, metadata_filter=main_filter, now=now
        )
        if pref_filter is not None:
            prefs = self.store.query(
                namespace,
                vector,
                top_k=min(PREFERENCE_SLOTS, top_k),
                metadata_filter=pref_filter,
                now=now,
            )
            found = merge_preferences(prefs, found, top_k)
        return [to_item(check_brand(brand), m) for m in found]

    def profile(self, brand: str) -> BrandProfile:
        """Counts per kind and the style rules of a known brand (cached in the hot tier)."""
        namespace = self.require_brand(brand)
        generation = self.hot.generation(namespace) if self.hot else -1
        cached = self.hot.get_profile(namespace, generation) if self.hot else None
        if cached is not None:
            return cached
        counts: dict[str, int] = {
            k: len(self.store.list_ids(namespace, prefix=f"{k}:")) for k in MEMORY_KINDS
        }
        rule_ids = self.store.list_ids(namespace, prefix="style_rule:")[:200]
        rules = sorted(
            self.store.fetch(namespace, rule_ids, now=self.clock()).values(),
            key=lambda r: (epoch_seconds(r.metadata, "created_at", 0.0), str(r.metadata["source"])),
        )
        profile = BrandProfile(
            brand=check_brand(brand),
            namespace=namespace,
            counts=counts,
            style_rules=[str(r.metadata["text"]) for r in rules[:20]],
        )
        if self.hot:
            self.hot.put_profile(namespace, generation, profile)
        return profile

    def require_brand(self, brand: str) -> str:
        """The brand's namespace, or ``NotFoundError`` when it has no memory."""
        namespace = brand_namespace(brand)
        if namespace not in self.store.stats().namespaces:
            raise NotFoundError(f"brand {check_brand(brand)!r} has no memory; add files first")
        return namespace

    # --- writing ---------------------------------------------------------------------------
    def add_files(
        self,
        brand: str,
        paths: Sequence[Path | str],
        *,
        kind: MemoryKind = "fact",
        progress: ProgressCallback | None = None,
        role: MemoryRole | None = None,
    ) -> IngestReport:
        """Read, chunk, de-duplicate, embed and store files (all are read before any write)."""
        self._require_write(role)
        chunks, files = read_chunks([Path(p) for p in paths], self.chunking)
        if progress:
            progress("read", files, files)
        return self._ingest(brand, chunks, kind, files=files, progress=progress)

    def add_texts(
        self,
        brand: str,
        texts: Sequence[str],
        *,
        kind: MemoryKind,
        source: str,
        ttl_seconds: float | None = None,
        role: MemoryRole | None = None,
    ) -> IngestReport:
        """Store texts (chunked like files); ``ttl_seconds`` makes them expire."""
        self._require_write(role)
        if isinstance(texts, str) or not texts:
            raise InputError("add_texts takes a non-empty list of texts")
        chunks = [
            Chunk(piece, f"{source}#{n}")
            for n, text in enumerate(texts, start=1)
            for piece in chunk_text(clean_text(text), self.chunking)
        ]
        if not chunks:
            raise InputError("the texts are empty once invisible characters are removed")
        expires = NEVER if ttl_seconds is None else self.clock() + ttl_seconds
        return self._ingest(brand, chunks, kind, files=0, expires_at=expires)

    def remember_review(
        self,
        brand: str,
        *,
        asset_kind: str,
        before: str,
        after: str,
        reason: str,
        decision: Literal["edit", "reject"],
        source: str,
        role: MemoryRole | None = None,
    ) -> str:
        """Store a reviewer's edit or rejection as a ``reviewer_preference``; returns its id.

        The id hashes source, before and after, so repeating the call writes nothing new.
        """
        self._require_write(role)
        namespace = brand_namespace(brand)
        record = review_record(
            self.embedder,
            asset_kind=asset_kind,
            before=before,
            after=after,
            reason=reason,
            decision=decision,
            source=source,
            brand=brand,
            now=self.clock(),
        )
        if not self.store.fetch(namespace, [record.item_id], now=self.clock()):
            self._write(namespace, [record])
        return record.item_id

    def forget(
        self, brand: str, item_ids: Sequence[str], *, role: MemoryRole | None = None
    ) -> None:
        """Delete items of a known brand."""
        self._require_write(role)
        namespace = self.require_brand(brand)
        self.store.delete(namespace, list(item_ids))
        self._invalidate(namespace)

    def sweep_expired(self, brand: str | None = None) -> None:
        """Remove expired items of one brand, or of every brand."""
        namespaces = [self.require_brand(brand)] if brand else list(self.store.stats().namespaces)
        for namespace in namespaces:
            self.store.sweep_expired(namespace, now=self.clock())
            self._invalidate(namespace)

    def reindex(
        self,
        brand: str | None = None,
        *,
        progress: ProgressCallback | None = None,
        role: MemoryRole | None = None,
    ) -> int:
        """Re-embed items stored by another embedding model id/version; returns how many."""
        self._require_write(role)
        namespaces = [self.require_brand(brand)] if brand else list(self.store.stats().namespaces)
        total = 0
        for namespace in namespaces:
            records = stale_records(self.store, namespace, self.embedder, progress)
            if records:
                self._write(namespace, records)
            total += len(records)
        return total

    def close(self) -> None:
        self.store.close()

    # --- internals -------------------------------------------------------------------------
    def _ingest(
        self,
        brand: str,
        chunks: list[Chunk],
        kind: MemoryKind,
        *,
        files: int,
        progress: ProgressCallback | None = None,
        expires_at: float = NEVER,
    ) -> IngestReport:
        namespace, name = brand_namespace(brand), check_brand(brand)
        ids = [item_id_for(kind, content_key(c.text)) for c in chunks]
        existing = self.store.fetch(namespace, list(dict.fromkeys(ids)), now=self.clock())
        fresh = {i: c for i, c in zip(ids, chunks, strict=True) if i not in existing}
        records = chunk_records(
            self.embedder,
            name,
            kind,
            fresh,
            now=self.clock(),
            expires_at=expires_at,
            progress=progress,
        )
        if records:
            self._write(namespace, records)
        if progress:
            progress("store", len(records), len(records))
        return IngestReport(
            brand=name,
            files=files,
            chunks=len(chunks),
            added=len(records),
            duplicates=len(chunks) - len(records),
            item_ids=ids,
        )

    def _write(self, namespace: str, records: list[VectorRecord]) -> None:
        self.store.upsert(namespace, records)
        self._invalidate(namespace)

    def _invalidate(self, namespace: str) -> None:
        if self.hot:
            self.hot.invalidate(namespace)

    def _require_write(self, role: MemoryRole | None) -> None:
        acting = role or self.role
        if acting not in WRITE_ROLES:
            raise PermissionDenied(
                f"the {acting} role cannot change brand memory: editors and approvers only"
            )


__all__ = ["BrandMemory", "MemoryRole", "ProgressCallback", "TextEmbedder"]
