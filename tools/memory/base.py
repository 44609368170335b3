"""The vector-store interface of brand memory, and the records it holds.

A ``MemoryStore`` keeps vectors with metadata in namespaces (one per brand). Every record
carries at least the metadata keys in ``REQUIRED_METADATA``: its kind, source, text, created
and expiry time (epoch seconds; ``NEVER`` for items that do not expire) and the embedding
model id and version that produced its vector. Expired records are never returned by
``query``/``fetch``/``list_ids`` and are removed by ``sweep_expired``.

Scores are cosine similarities (higher is closer); vectors are expected L2-normalized.

Subclasses implement the underscored primitives; the public methods validate input first, so a
bad batch (wrong dimension, missing metadata) raises ``InputError`` with nothing written.
``tools.memory.exact.ExactMemoryStore`` is the reference implementation beside this interface.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray

from tools.errors import InputError
from tools.memory.filters import MetadataFilter, all_of

MemoryKind = Literal["style_rule", "fact", "past_asset", "reviewer_preference"]
"""What a memory item is: a voice/style rule, a product or brand fact, a past asset, or a
preference learnt from a reviewer's edit or rejection."""
MEMORY_KINDS: tuple[MemoryKind, ...] = get_args(MemoryKind)

MetadataValue = str | int | float | bool | list[str]
"""Metadata values every backend can store (Pinecone's rules)."""

NEVER = 4_102_444_800.0
"""``expires_at`` of items that never expire (2100-01-01, epoch seconds)."""
REQUIRED_METADATA = (
    "kind",
    "source",
    "text",
    "created_at",
    "expires_at",
    "model_id",
    "model_version",
)
"""Metadata keys every record must carry."""
MAX_ID_LENGTH = 512
"""Longest item id (Pinecone's limit)."""


@dataclass(frozen=True)
class VectorRecord:
    """One stored vector with its metadata."""

    item_id: str
    vector: NDArray[np.float32]
    metadata: Mapping[str, MetadataValue]


@dataclass(frozen=True)
class QueryMatch:
    """One query result: the item, its cosine similarity to the query and its metadata."""

    item_id: str
    score: float
    metadata: Mapping[str, MetadataValue]


@dataclass(frozen=True)
class StoreStats:
    """Vector counts of a store (expired items not yet swept are counted)."""

    dimension: int
    namespaces: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.namespaces.values())


class MemoryStore(ABC):
    """A namespaced vector store with metadata filters and expiry."""

    dimension: int
    """Length of the vectors this store holds."""

    def upsert(self, namespace: str, records: Sequence[VectorRecord]) -> None:
        """Insert or replace ``records``; validates all of them before writing any."""
        check_namespace(namespace)
        checked = [self._checked_record(record) for record in records]
        if len({r.item_id for r in checked}) != len(checked):
            raise InputError("duplicate item ids in one upsert")
        if checked:
            self._upsert(namespace, checked)

    def query(
        self,
        namespace: str,
        vector: NDArray[np.float32] | Sequence[float],
        *,
        top_k: int = 5,
        metadata_filter: MetadataFilter | None = None,
        now: float | None = None,
    ) -> list[QueryMatch]:
        """The ``top_k`` live items closest to ``vector`` that match ``metadata_filter``."""
        check_namespace(namespace)
        if not 1 <= top_k <= 1000:
            raise InputError(f"top_k must be between 1 and 1000, got {top_k}")
        query_vector = self._checked_vector(vector, "query vector")
        live = {"expires_at": {"$gt": time.time() if now is None else now}}
        return self._query(namespace, query_vector, top_k, all_of(metadata_filter, live))

    def fetch(
        self, namespace: str, item_ids: Sequence[str], *, now: float | None = None
    ) -> dict[str, VectorRecord]:
        """The live records among ``item_ids`` (missing and expired ids are left out)."""
        check_namespace(namespace)
        if not item_ids:
            return {}
        for item_id in item_ids:
            check_item_id(item_id)
        moment = time.time() if now is None else now
        found = self._fetch(namespace, list(dict.fromkeys(item_ids)))
        return {k: r for k, r in found.items() if expires_at(r.metadata) > moment}

    def delete(self, namespace: str, item_ids: Sequence[str]) -> None:
        """Delete ``item_ids`` (unknown ids are ignored)."""
        check_namespace(namespace)
        for item_id in item_ids:
            check_item_id(item_id)
        if item_ids:
            self._delete_ids(namespace, list(item_ids))

    def delete_where(self, namespace: str, metadata_filter: MetadataFilter) -> None:
        """Delete every record of ``namespace`` matching a non-empty ``metadata_filter``."""
        check_namespace(namespace)
        if not metadata_filter:
            raise InputError("delete_where needs a non-empty filter; use delete_namespace")
        self._delete_where(namespace, metadata_filter)

    def sweep_expired(self, namespace: str, *, now: float | None = None) -> None:
        """Remove the records of ``namespace`` whose ``expires_at`` has passed."""
        moment = time.time() if now is None else now
        self.delete_where(namespace, {"expires_at": {"$lte": moment}})

    def list_ids(self, namespace: str, *, prefix: str = "") -> list[str]:
        """Ids of every record in ``namespace`` (expired ones included until swept), sorted."""
        check_namespace(namespace)
        return sorted(self._list_ids(namespace, prefix))

    @abstractmethod
    def delete_namespace(self, namespace: str) -> None:
        """Remove a namespace and everything in it (no error if it does not exist)."""

    @abstractmethod
    def stats(self) -> StoreStats:
        """Vector counts per non-empty namespace."""

    def close(self) -> None:  # noqa: B027 - optional hook, most stores hold nothing
        """Release files or connections."""

    @abstractmethod
    def _upsert(self, namespace: str, records: list[VectorRecord]) -> None: ...

    @abstractmethod
    def _query(
        self,
        namespace: str,
        vector: NDArray[np.float32],
        top_k: int,
        metadata_filter: MetadataFilter | None,
    ) -> list[QueryMatch]: ...

    @abstractmethod
    def _fetch(self, namespace: str, item_ids: list[str]) -> dict[str, VectorRecord]: ...

    @abstractmethod
    def _delete_ids(self, namespace: str, item_ids: list[str]) -> None: ...

    @abstractmethod
    def _delete_where(self, namespace: str, metadata_filter: MetadataFilter) -> None: ...

    @abstractmethod
    def _list_ids(self, namespace: str, prefix: str) -> list[str]: ...

    def _checked_vector(self, vector: object, what: str) -> NDArray[np.float32]:
        array = np.asarray(vector, dtype=np.float32)
        if array.ndim != 1 or array.shape[0] != self.dimension:
            raise InputError(
                f"{what} has dimension {array.shape[-1] if array.ndim else 0}, "
                f"this memory holds {self.dimension}-dimensional vectors"
            )
        if not np.all(np.isfinite(array)):
            raise InputError(f"{what} contains NaN or infinite values")
        return array

    def _checked_record(self, record: VectorRecord) -> VectorRecord:
        check_item_id(record.item_id)
        vector = self._checked_vector(record.vector, f"vector of {record.item_id!r}")
        return VectorRecord(record.item_id, vector, check_metadata(record.item_id, record.metadata))


def epoch_seconds(metadata: Mapping[str, MetadataValue], key: str, default: float) -> float:
    """A timestamp field of a record's metadata (``default`` when unset or unreadable)."""
    value = metadata.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return default


def expires_at(metadata: Mapping[str, MetadataValue]) -> float:
    """A record's expiry time in epoch seconds (``NEVER`` when unset)."""
    return epoch_seconds(metadata, "expires_at", NEVER)


def check_namespace(namespace: str) -> None:
    """Namespaces are non-empty ASCII strings of at most 64 characters."""
    if not isinstance(namespace, str) or not namespace or len(namespace) > 64:
        raise InputError(f"invalid memory namespace {namespace!r}")
    if not namespace.isascii():
        raise InputError(f"memory namespace {namespace!r} must be ASCII")


def check_item_id(item_id: object) -> None:
    """Item ids are non-empty ASCII strings of at most ``MAX_ID_LENGTH`` characters."""
    if not isinstance(item_id, str) or not item_id or len(item_id) > MAX_ID_LENGTH:
        raise InputError(f"invalid memory item id {item_id!r}")
    if not item_id.isascii():
        raise InputError(f"memory item id {item_id!r} must be ASCII")


def check_metadata(item_id: str, metadata: Mapping[str, object]) -> dict[str, MetadataValue]:
    """Validate one record's metadata: required keys present, values of storable types."""
    missing = [key for key in REQUIRED_METADATA if key not in metadata]
    if missing:
        raise InputError(f"item {item_id!r} lacks metadata {', '.join(missing)}")
    if metadata["kind"] not in MEMORY_KINDS:
        raise InputError(f"item {item_id!r} has unknown kind {metadata['kind']!r}")
    checked: dict[str, MetadataValue] = {}
    for key, value in metadata.items():
        if not _storable(value):
            raise InputError(f"item {item_id!r}: metadata {key!r} has unsupported value")
        checked[key] = list(value) if isinstance(value, list) else value  # type: ignore[assignment]
    for key in ("created_at", "expires_at"):
        if isinstance(checked[key], bool) or not isinstance(checked[key], int | float):
            raise InputError(f"item {item_id!r}: {key} must be epoch seconds")
    return checked


def _storable(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str | int | bool):
        return True
    return isinstance(value, list) and all(isinstance(item, str) for item in value)
