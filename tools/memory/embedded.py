"""The embedded ``MemoryStore``: SQLite for records, a usearch HNSW index per namespace.

No server to start. Records (vector bytes + JSON metadata) live in one SQLite database in WAL
mode under the data directory: that is the durable truth, written in one transaction per
upsert/delete. Each namespace also has an approximate-nearest-neighbour index (usearch HNSW,
cosine, float32) kept in memory and saved beside the database with a stamp of the namespace's
write counter; on open, an index whose stamp does not match is rebuilt from SQLite, so a crash
or a write by another process (the CLI while the chat server runs) never serves stale results.

usearch was chosen over hnswlib and faiss by measurement (``bench/memory.py``: recall@10,
latency, size on disk) and because it supports removal and is actively maintained.

Namespaces of up to ``EXACT_SEARCH_LIMIT`` items (most brand kits) are searched exactly. In
larger ones, filtered queries over-fetch from the HNSW index and widen the search until
``top_k`` matches are found; a very selective filter falls back to exact search over the
matching records.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from usearch.index import Index

from tools.errors import StoreError
from tools.memory.base import MemoryStore, MetadataValue, QueryMatch, StoreStats, VectorRecord
from tools.memory.filters import MetadataFilter, matches

EXACT_SEARCH_LIMIT = 4096
"""A namespace, or the kinds a filter is restricted to, holding at most this many items is
answered by exact search (cheap at that size, and exact: the ANN index is approximate and
would have to over-fetch and widen under a filter)."""
SAVE_INTERVAL_SECONDS = 30.0
"""Least time between two saves of a namespace's ANN index after writes (a restart after a
crash rebuilds a stale index from SQLite, so this only bounds rebuild work, never correctness)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    key INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace TEXT NOT NULL,
    item_id TEXT NOT NULL,
    vector BLOB NOT NULL,
    metadata TEXT NOT NULL,
    UNIQUE (namespace, item_id)
);
CREATE TABLE IF NOT EXISTS namespaces (
    namespace TEXT PRIMARY KEY,
    generation INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class HnswParams:
    """usearch HNSW parameters (see ``bench/memory.py`` for how they were picked)."""

    connectivity: int = 16
    """Graph degree (M)."""
    expansion_add: int = 128
    """Candidate list size while building (efConstruction)."""
    expansion_search: int = 96
    """Candidate list size while searching (ef)."""


class _Space:
    """One namespace's in-memory ANN index and metadata, valid for one generation."""

    def __init__(self, dimension: int, params: HnswParams, generation: int) -> None:
        self.index = Index(
            ndim=dimension,
            metric="cos",
            dtype="f32",
            connectivity=params.connectivity,
            expansion_add=params.expansion_add,
            expansion_search=params.expansion_search,
        )
        self.generation = generation
        self.saved_at = time.monotonic()
        self.rows: dict[int, tuple[str, dict[str, MetadataValue]]] = {}
        self.keys: dict[str, int] = {}
        self.by_kind: dict[str, set[int]] = {}

    def add(
        self,
        keys: list[int],
        ids: list[str],
        vectors: NDArray[np.float32],
        metas: list[dict[str, MetadataValue]],
    ) -> None:
        if keys:
            self.index.add(np.asarray(keys, dtype=np.uint64), vectors)
        for key, item_id, meta in zip(keys, ids, metas, strict=True):
            self.track(key, item_id, meta)

    def track(self, key: int, item_id: str, meta: dict[str, MetadataValue]) -> None:
        """Record a row already in the ANN index (its id, metadata and kind)."""
        self.rows[key] = (item_id, meta)
        self.keys[item_id] = key
        self.by_kind.setdefault(str(meta.get("kind")), set()).add(key)

    def remove(self, item_ids: list[str]) -> None:
        for item_id in item_ids:
            key = self.keys.pop(item_id, None)
            if key is not None:
                self.index.remove(key)
                _, meta = self.rows.pop(key)
                self.by_kind.get(str(meta.get("kind")), set()).discard(key)

    def kind_keys(self, metadata_filter: MetadataFilter | None) -> set[int] | None:
        """Keys of the kinds the filter is restricted to (None: it does not restrict kind)."""
        kinds = _filter_kinds(metadata_filter)
        if kinds is None:
            return None
        return set().union(*(self.by_kind.get(kind, set()) for kind in kinds))


class EmbeddedMemoryStore(MemoryStore):
    """A persistent local vector store; ``root`` is its folder (created if missing)."""

    def __init__(self, root: Path, dimension: int = 384, params: HnswParams | None = None) -> None:
        self.dimension = dimension
        self.root = root
        self.params = params or HnswParams()
        (root / "ann").mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(root / "memory.sqlite3", check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._spaces: dict[str, _Space] = {}
        self._lock = threading.RLock()

    # --- writes ----------------------------------------------------------------------------
    def _upsert(self, namespace: str, records: list[VectorRecord]) -> None:
        ids = [r.item_id for r in records]

        def write(space: _Space) -> None:
            self._db.executemany(
                "DELETE FROM records WHERE namespace = ? AND item_id = ?",
                [(namespace, i) for i in ids],
            )
            keys = [self._insert(namespace, record) for record in records]
            space.remove(ids)
            vectors = np.stack([r.vector for r in records])
            space.add(keys, ids, vectors, [dict(r.metadata) for r in records])

        self._write(namespace, write)

    def _insert(self, namespace: str, record: VectorRecord) -> int:
        cursor = self._db.execute(
            "INSERT INTO records (namespace, item_id, vector, metadata) VALUES (?, ?, ?, ?)",
            (namespace, record.item_id, record.vector.tobytes(), _dump(record.metadata)),
        )
        return int(cursor.lastrowid or 0)

    def _delete_ids(self, namespace: str, item_ids: list[str]) -> None:
        def write(space: _Space) -> None:
            self._db.executemany(
                "DELETE FROM records WHERE namespace = ? AND item_id = ?",
                [(namespace, i) for i in item_ids],
            )
            space.remove(item_ids)

        self._write(namespace, write)

    def _write(self, namespace: str, change: Callable[[_Space], None]) -> None:
        """Apply ``change`` to SQLite and the ANN index in one transaction.

        A failure rolls the transaction back and drops the in-memory index (rebuilt on next
        use); a generation that moved by more than our own bump means another process wrote
        meanwhile, so the index is reloaded too.
        """
        with self._lock:
            space = self._space(namespace)
            try:
                with _GenerationBump(self._db, namespace) as generation:
                    change(space)
            except BaseException:
                self._spaces.pop(namespace, None)
                raise
            if generation == space.generation + 1:
                space.generation = generation
                self._save_if_due(namespace, space)
            else:
                self._spaces.pop(namespace, None)

    def _delete_where(self, namespace: str, metadata_filter: MetadataFilter) -> None:
        with self._lock:
            space = self._space(namespace)
            doomed = [i for i, meta in space.rows.values() if matches(metadata_filter, meta)]
        if doomed:
            self._delete_ids(namespace, doomed)

    def delete_namespace(self, namespace: str) -> None:
        with self._lock, _GenerationBump(self._db, namespace):
            self._db.execute("DELETE FROM records WHERE namespace = ?", (namespace,))
            self._db.execute("DELETE FROM namespaces WHERE namespace = ?", (namespace,))
            self._spaces.pop(namespace, None)
            self._ann_path(namespace).unlink(missing_ok=True)

    # --- reads -----------------------------------------------------------------------------
    def _query(
        self,
        namespace: str,
        vector: NDArray[np.float32],
        top_k: int,
        metadata_filter: MetadataFilter | None,
    ) -> list[QueryMatch]:
        with self._lock:
            space = self._space(namespace)
            candidates = space.kind_keys(metadata_filter)
            total = len(space.rows)
            pool_size = total if candidates is None else len(candidates)
            if pool_size <= EXACT_SEARCH_LIMIT:
                return self._exact(space, vector, top_k, metadata_filter, candidates)
            wanted = min(total, max(top_k * 4, 40))
            while wanted:
                found = space.index.search(vector, wanted)
                hits = [
                    QueryMatch(space.rows[int(k)][0], 1.0 - float(d), space.rows[int(k)][1])
                    for k, d in zip(found.keys, found.distances, strict=True)
                    if int(k) in space.rows and matches(metadata_filter, space.rows[int(k)][1])
                ]
                if len(hits) >= top_k or wanted >= total:
                    return hits[:top_k]
                if wanted * 4 >= total:
                    return self._exact(space, vector, top_k, metadata_filter, candidates)
                wanted *= 4
            return []

    def _exact(
        self,
        space: _Space,
        vector: NDArray[np.float32],
        top_k: int,
        metadata_filter: MetadataFilter | None,
        candidates: set[int] | None,
    ) -> list[QueryMatch]:
        pool = space.rows.keys() if candidates is None else sorted(candidates)
        keys = [k for k in pool if matches(metadata_filter, space.rows[k][1])]
        if not keys:
            return []
        vectors = np.asarray(space.index.get(np.asarray(keys, dtype=np.uint64)), dtype=np.float32)
        scores = vectors @ vector / np.maximum(np.linalg.norm(vectors, axis=1), 1e-12)
        best = np.argsort(-scores, kind="stable")[:top_k]
        return [
            QueryMatch(space.rows[keys[i]][0], float(scores[i]), space.rows[keys[i]][1])
            for i in best
        ]

    def _fetch(self, namespace: str, item_ids: list[str]) -> dict[str, VectorRecord]:
        marks = ",".join("?" * len(item_ids))
        sql = "SELECT item_id, vector, metadata FROM records WHERE namespace = ? AND item_id IN "
        with self._lock:
            rows = self._db.execute(f"{sql}({marks})", (namespace, *item_ids)).fetchall()
        return {
            item_id: VectorRecord(
                item_id, np.frombuffer(blob, dtype=np.float32).copy(), json.loads(meta)
            )
            for item_id, blob, meta in rows
        }

    def _list_ids(self, namespace: str, prefix: str) -> list[str]:
        with self._lock:
            return [i for i in self._space(namespace).keys if i.startswith(prefix)]

    def stats(self) -> StoreStats:
        with self._lock:
            rows = self._db.execute(
                "SELECT namespace, COUNT(*) FROM records GROUP BY namespace"
            ).fetchall()
        return StoreStats(self.dimension, {ns: int(n) for ns, n in rows if n})

    def close(self) -> None:
        """Save every loaded ANN index with its stamp, then close the database."""
        with self._lock:
            for namespace, space in self._spaces.items():
                self._save(namespace, space)
            self._spaces.clear()
            self._db.close()

    # --- internals -------------------------------------------------------------------------
    def _generation(self, namespace: str) -> int:
        row = self._db.execute(
            "SELECT generation FROM namespaces WHERE namespace = ?", (namespace,)
        ).fetchone()
        return int(row[0]) if row else 0

    def _space(self, namespace: str) -> _Space:
        """The namespace's ANN index, reloaded if another writer moved its generation."""
        generation = self._generation(namespace)
        space = self._spaces.get(namespace)
        if space is None or space.generation != generation:
            space = self._load(namespace, generation)
            self._spaces[namespace] = space
        return space

    def _load(self, namespace: str, generation: int) -> _Space:
        space = _Space(self.dimension, self.params, generation)
        rows = self._db.execute(
            "SELECT key, item_id, vector, metadata FROM records WHERE namespace = ? ORDER BY key",
            (namespace,),
        ).fetchall()
        keys = [int(r[0]) for r in rows]
        metas = [json.loads(r[3]) for r in rows]
        path = self._ann_path(namespace)
        if rows and _read_stamp(path) == generation:
            space.index.load(str(path))
            for key, row, meta in zip(keys, rows, metas, strict=True):
                space.track(key, row[1], meta)
            return space
        if rows:
            vectors = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32)
            space.add(keys, [r[1] for r in rows], vectors.reshape(len(rows), -1), metas)
        return space

    def _save_if_due(self, namespace: str, space: _Space) -> None:
        """Save the ANN index at most every ``SAVE_INTERVAL_SECONDS`` (and always on close)."""
        if time.monotonic() - space.saved_at >= SAVE_INTERVAL_SECONDS:
            self._save(namespace, space)

    def _save(self, namespace: str, space: _Space) -> None:
        path = self._ann_path(namespace)
        if not space.rows:
            path.unlink(missing_ok=True)
            return
        partial = path.with_suffix(".partial")
        space.index.save(str(partial))
        os.replace(partial, path)  # readers never see a half-written index
        partial.write_text(str(space.generation))
        os.replace(partial, _stamp_path(path))
        space.saved_at = time.monotonic()

    def _ann_path(self, namespace: str) -> Path:
        return self.root / "ann" / f"{namespace}.usearch"


class _GenerationBump:
    """A SQLite transaction that also increments the namespace's write generation."""

    def __init__(self, db: sqlite3.Connection, namespace: str) -> None:
        self._db = db
        self._namespace = namespace

    def __enter__(self) -> int:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT INTO namespaces (namespace, generation) VALUES (?, 1) "
                "ON CONFLICT(namespace) DO UPDATE SET generation = generation + 1",
                (self._namespace,),
            )
            row = self._db.execute(
                "SELECT generation FROM namespaces WHERE namespace = ?", (self._namespace,)
            ).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"brand memory database is not writable: {exc}") from exc
        return int(row[0])

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self._db.commit()
        else:
            self._db.rollback()


def _dump(metadata: object) -> str:
    return json.dumps(metadata, ensure_ascii=False, sort_keys=True)


def _stamp_path(path: Path) -> Path:
    return path.with_suffix(".stamp")


def _read_stamp(path: Path) -> int | None:
    stamp = _stamp_path(path)
    if not path.exists() or not stamp.exists():
        return None
    try:
        return int(stamp.read_text().strip())
    except ValueError:
        return None


def _filter_kinds(metadata_filter: object) -> set[str] | None:
    """The kinds a filter admits when it pins ``kind`` (``$eq``/``$in``, also inside ``$and``)."""
    if not isinstance(metadata_filter, dict):
        return None
    found: set[str] | None = None
    condition = metadata_filter.get("kind")
    if isinstance(condition, str):
        found = {condition}
    elif isinstance(condition, dict) and set(condition) <= {"$eq", "$in"}:
        values = condition.get("$in", [condition.get("$eq")])
        found = {v for v in values if isinstance(v, str)} if isinstance(values, list) else None
    for sub in (
        metadata_filter.get("$and", []) if isinstance(metadata_filter.get("$and"), list) else []
    ):
        narrowed = _filter_kinds(sub)
        if narrowed is not None:
            found = narrowed if found is None else found & narrowed
    return found
