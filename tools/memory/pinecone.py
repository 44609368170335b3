"""The Pinecone ``MemoryStore``: a serverless index through the ``pinecone`` SDK (10.x).

One index holds every brand, one namespace per brand. The index is found by name (or its data
plane host is given directly, skipping the lookup) and created as a serverless dense index
(``_values``, cosine) when missing. Writes are sent in batches within Pinecone's limits of
1,000 records and 2 MB per request.

Retries: the SDK already retries each HTTP request a few times (honouring ``Retry-After``).
This layer retries the whole operation on 429, 5xx, timeouts and connection errors with
exponential backoff and jitter (``max_retries``, ``backoff_seconds``), then raises
``StoreError``. A batched upsert that still fails deletes the records it had created, so
nothing is half-written (ids are content hashes, so overwritten records are unchanged).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from pinecone import Pinecone
from pinecone.errors import (
    ApiError,
    NotFoundError,
    PineconeConnectionError,
    PineconeError,
    PineconeTimeoutError,
    RateLimitError,
    ServiceError,
    UnauthorizedError,
)

from tools.errors import ConfigError, StoreError
from tools.memory.base import MemoryStore, QueryMatch, StoreStats, VectorRecord
from tools.memory.filters import MetadataFilter

if TYPE_CHECKING:
    from pinecone import Index

MAX_BATCH_RECORDS = 1000
"""Most records in one upsert request (Pinecone's limit)."""
MAX_BATCH_BYTES = 2 * 1024 * 1024
"""Largest upsert request body (Pinecone's limit), in bytes."""
_BODY_MARGIN_BYTES = 4 * 1024
"""Room kept for the request envelope (namespace, brackets)."""
_FETCH_CHUNK = 100
_DELETE_CHUNK = 1000

T = TypeVar("T")


class PineconeMemoryStore(MemoryStore):
    """Brand memory in a Pinecone serverless index (``dimension`` must match the index)."""

    def __init__(
        self,
        *,
        api_key: str,
        index_name: str,
        dimension: int = 384,
        host: str | None = None,
        api_host: str | None = None,
        cloud: str = "aws",
        region: str = "us-east-1",
        max_retries: int = 4,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key:
            raise ConfigError("memory_backend=pinecone needs PINECONE_API_KEY")
        self.dimension = dimension
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self._sleep = sleep
        self._client = Pinecone(api_key=api_key, host=api_host or None)
        if not host:
            host = self._resolve_host(index_name, cloud, region)
        self._index: Index = self._client.index(host=host)
        self._check_dimension(index_name)

    @property
    def host(self) -> str:
        """The index's data-plane host in use (configure it to skip the lookup)."""
        return str(self._index.host)

    # --- set-up ----------------------------------------------------------------------------
    def _resolve_host(self, index_name: str, cloud: str, region: str) -> str:
        try:
            model = self._call(lambda: self._client.indexes.describe(index_name))
        except StoreError as exc:
            if not isinstance(exc.__cause__, NotFoundError):
                raise
            model = self._call(lambda: self._create_index(index_name, cloud, region))
        if not model.host:
            raise StoreError(f"Pinecone index {index_name!r} has no host yet; try again shortly")
        return str(model.host)

    def _create_index(self, index_name: str, cloud: str, region: str) -> Any:
        field = {"type": "dense_vector", "dimension": self.dimension, "metric": "cosine"}
        return self._client.indexes.create(
            name=index_name,
            schema={"fields": {"_values": field}},
            deployment={"deployment_type": "managed", "cloud": cloud, "region": region},
            timeout=120,
        )

    def _check_dimension(self, index_name: str) -> None:
        stats = self._call(self._index.describe_index_stats)
        if stats.dimension is not None and stats.dimension != self.dimension:
            raise ConfigError(
                f"Pinecone index {index_name!r} holds {stats.dimension}-dimensional vectors, "
                f"the embedding model makes {self.dimension}: use another index"
            )

    # --- writes ----------------------------------------------------------------------------
    def _upsert(self, namespace: str, records: list[VectorRecord]) -> None:
        batches = list(upsert_batches([_wire(r) for r in records]))
        existing = (
            set(self._fetch(namespace, [r.item_id for r in records])) if len(batches) > 1 else set()
        )
        written: list[str] = []
        try:
            for batch in batches:
                self._call(lambda b=batch: self._index.upsert(vectors=b, namespace=namespace))  # type: ignore[misc]
                written.extend(v["id"] for v in batch)
        except StoreError:
            created = [i for i in written if i not in existing]
            if created:
                self._delete_ids(namespace, created)
            raise

    def _delete_ids(self, namespace: str, item_ids: list[str]) -> None:
        for start in range(0, len(item_ids), _DELETE_CHUNK):
            chunk = item_ids[start : start + _DELETE_CHUNK]
            self._call(lambda c=chunk: self._index.delete(ids=c, namespace=namespace))  # type: ignore[misc]

    def _delete_where(self, namespace: str, metadata_filter: MetadataFilter) -> None:
        if namespace in self.stats().namespaces:
            self._call(
                lambda: self._index.delete(filter=dict(metadata_filter), namespace=namespace)
            )

    def delete_namespace(self, namespace: str) -> None:
        if namespace in self.stats().namespaces:
            self._call(lambda: self._index.delete(delete_all=True, namespace=namespace))

    # --- reads -----------------------------------------------------------------------------
    def _query(
        self,
        namespace: str,
        vector: NDArray[np.float32],
        top_k: int,
        metadata_filter: MetadataFilter | None,
    ) -> list[QueryMatch]:
        response = self._call(
            lambda: self._index.query(
                vector=vector.tolist(),
                top_k=top_k,
                namespace=namespace,
                filter=dict(metadata_filter) if metadata_filter else None,
                include_metadata=True,
            )
        )
        return [QueryMatch(m.id, float(m.score), dict(m.metadata or {})) for m in response.matches]

    def _fetch(self, namespace: str, item_ids: list[str]) -> dict[str, VectorRecord]:
        found: dict[str, VectorRecord] = {}
        for start in range(0, len(item_ids), _FETCH_CHUNK):
            chunk = item_ids[start : start + _FETCH_CHUNK]
            response = self._call(lambda c=chunk: self._index.fetch(ids=c, namespace=namespace))  # type: ignore[misc]
            for item_id, vector in response.vectors.items():
                values = np.asarray(vector.values, dtype=np.float32)
                found[item_id] = VectorRecord(item_id, values, dict(vector.metadata or {}))
        return found

    def _list_ids(self, namespace: str, prefix: str) -> list[str]:
        pages = self._call(
            lambda: list(self._index.list(prefix=prefix or None, namespace=namespace))
        )
        return [item.id for page in pages for item in page.vectors if item.id]

    def stats(self) -> StoreStats:
        response = self._call(self._index.describe_index_stats)
        counts = {ns: s.vector_count for ns, s in response.namespaces.items() if s.vector_count}
        return StoreStats(int(response.dimension or self.dimension), counts)

    def close(self) -> None:
        self._index.close()
        self._client.close()

    # --- retries ---------------------------------------------------------------------------
    def _call(self, operation: Callable[[], T]) -> T:
        """Run ``operation``, retrying transient Pinecone failures with backoff."""
        for attempt in range(self.max_retries + 1):
            try:
                return operation()
            except (
                RateLimitError,
                ServiceError,
                PineconeTimeoutError,
                PineconeConnectionError,
            ) as exc:
                if attempt == self.max_retries:
                    raise StoreError(
                        f"Pinecone is unavailable after {attempt + 1} attempts: {_describe(exc)}"
                    ) from exc
                self._sleep(self._delay(attempt, exc))
            except UnauthorizedError as exc:
                raise ConfigError("Pinecone rejected the API key (401)") from exc
            except PineconeError as exc:
                raise StoreError(f"Pinecone request failed: {_describe(exc)}") from exc
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, exc: Exception) -> float:
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after >= 0:
            return float(retry_after)
        base = self.backoff_seconds * (2**attempt)
        return base * random.uniform(0.5, 1.5)


def upsert_batches(vectors: Sequence[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Split wire-form vectors into requests of at most 1,000 records and 2 MB."""
    batch: list[dict[str, Any]] = []
    size = 0
    budget = MAX_BATCH_BYTES - _BODY_MARGIN_BYTES
    for vector in vectors:
        encoded = len(json.dumps(vector, separators=(",", ":")).encode()) + 1
        if batch and (len(batch) == MAX_BATCH_RECORDS or size + encoded > budget):
            yield batch
            batch, size = [], 0
        batch.append(vector)
        size += encoded
    if batch:
        yield batch


def _wire(record: VectorRecord) -> dict[str, Any]:
    return {
        "id": record.item_id,
        "values": record.vector.astype(float).tolist(),
        "metadata": dict(record.metadata),
    }


def _describe(exc: PineconeError) -> str:
    status = getattr(exc, "status_code", None) if isinstance(exc, ApiError) else None
    text = str(getattr(exc, "message", "") or exc)[:300]
    return f"{status} {text}" if status else text
