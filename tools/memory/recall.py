"""The rules of ``BrandMemory.recall``: query validation, kind filters, preference places."""

from __future__ import annotations

from tools.errors import InputError
from tools.memory.base import MEMORY_KINDS, MemoryKind, QueryMatch
from tools.memory.filters import MetadataFilter, all_of
from tools.memory.ingest import clean_text

PREFERENCE_SLOTS = 2
"""Places reserved for reviewer preferences in each recall result."""
MAX_QUERIES = 64
"""Most queries in one recall."""


def checked_queries(queries: list[str], top_k: int) -> list[str]:
    if isinstance(queries, str) or not isinstance(queries, list | tuple):
        raise InputError("recall takes a list of query texts")
    if len(queries) > MAX_QUERIES:
        raise InputError(f"at most {MAX_QUERIES} queries per recall")
    if not 1 <= top_k <= 50:
        raise InputError(f"top_k must be between 1 and 50, got {top_k}")
    cleaned = [clean_text(q) if isinstance(q, str) else None for q in queries]
    if any(not q for q in cleaned):
        raise InputError("every recall query must be a non-empty text")
    return [q for q in cleaned if q]


def recall_filters(
    kinds: list[MemoryKind] | None, asset_kind: str | None
) -> tuple[MetadataFilter | None, MetadataFilter | None]:
    """Filters of the main query and of the reviewer-preference query (None: skip it)."""
    if kinds is not None and (not kinds or any(k not in MEMORY_KINDS for k in kinds)):
        raise InputError(f"kinds must be a non-empty list of {', '.join(MEMORY_KINDS)}")
    kind_filter = {"kind": {"$in": list(kinds)}} if kinds else None
    same_asset = {"asset_kind": asset_kind} if asset_kind else None
    other_prefs = (
        {"$or": [{"kind": {"$ne": "reviewer_preference"}}, same_asset]} if same_asset else None
    )
    wants_prefs = kinds is None or "reviewer_preference" in kinds
    pref_filter = all_of({"kind": "reviewer_preference"}, same_asset) if wants_prefs else None
    return all_of(kind_filter, other_prefs), pref_filter


def merge_preferences(
    prefs: list[QueryMatch], found: list[QueryMatch], top_k: int
) -> list[QueryMatch]:
    """Keep the preferences, fill up with the best other matches, order by score."""
    pref_ids = {m.item_id for m in prefs}
    others = [m for m in found if m.item_id not in pref_ids][: top_k - len(prefs)]
    return sorted([*prefs, *others], key=lambda m: -m.score)
