"""The reference ``MemoryStore``: exact cosine search over plain in-memory arrays.

Nothing is persisted. It defines what the other backends should return (the contract suite
runs against it too) and is the ground truth of the recall benchmark.
"""

from __future__ import annotations

import threading

import numpy as np
from numpy.typing import NDArray

from tools.memory.base import MemoryStore, QueryMatch, StoreStats, VectorRecord
from tools.memory.filters import MetadataFilter, matches


class ExactMemoryStore(MemoryStore):
    """Brute-force search over every matching record of a namespace."""

    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension
        self._namespaces: dict[str, dict[str, VectorRecord]] = {}
        self._lock = threading.Lock()

    def _upsert(self, namespace: str, records: list[VectorRecord]) -> None:
        with self._lock:
            space = self._namespaces.setdefault(namespace, {})
            for record in records:
                space[record.item_id] = record

    def _query(
        self,
        namespace: str,
        vector: NDArray[np.float32],
        top_k: int,
        metadata_filter: MetadataFilter | None,
    ) -> list[QueryMatch]:
        with self._lock:
            candidates = [
                r
                for r in self._namespaces.get(namespace, {}).values()
                if matches(metadata_filter, r.metadata)
            ]
        if not candidates:
            return []
        matrix = np.stack([r.vector for r in candidates])
        norms = np.maximum(np.linalg.norm(matrix, axis=1) * np.linalg.norm(vector), 1e-12)
        scores = matrix @ vector / norms
        best = np.argsort(-scores, kind="stable")[:top_k]
        return [
            QueryMatch(candidates[i].item_id, float(scores[i]), dict(candidates[i].metadata))
            for i in best
        ]

    def _fetch(self, namespace: str, item_ids: list[str]) -> dict[str, VectorRecord]:
        with self._lock:
            space = self._namespaces.get(namespace, {})
            return {i: space[i] for i in item_ids if i in space}

    def _delete_ids(self, namespace: str, item_ids: list[str]) -> None:
        with self._lock:
            space = self._namespaces.get(namespace, {})
            for item_id in item_ids:
                space.pop(item_id, None)

    def _delete_where(self, namespace: str, metadata_filter: MetadataFilter) -> None:
        with self._lock:
            space = self._namespaces.get(namespace, {})
            for item_id in [i for i, r in space.items() if matches(metadata_filter, r.metadata)]:
                del space[item_id]

    def _list_ids(self, namespace: str, prefix: str) -> list[str]:
        with self._lock:
            return [i for i in self._namespaces.get(namespace, {}) if i.startswith(prefix)]

    def delete_namespace(self, namespace: str) -> None:
        with self._lock:
            self._namespaces.pop(namespace, None)

    def stats(self) -> StoreStats:
        with self._lock:
            counts = {ns: len(space) for ns, space in self._namespaces.items() if space}
        return StoreStats(self.dimension, counts)
