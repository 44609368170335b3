"""Metadata filters in Pinecone's filter language, evaluated locally.

One filter language for every backend: the Pinecone backend sends the filter as is; the
embedded and exact backends evaluate it here. Supported: a bare value (``{"kind": "fact"}``
means ``$eq``), ``$eq $ne $in $nin $gt $gte $lt $lte $exists`` on a field, and ``$and`` /
``$or`` over sub-filters. Several fields in one object must all match.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tools.errors import InputError

MetadataFilter = Mapping[str, Any]
"""A Pinecone-style metadata filter, e.g. ``{"kind": {"$in": ["fact", "style_rule"]}}``."""


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _compare(op: Callable[[float, float], bool]) -> Callable[[object, object], bool]:
    def check(actual: object, expected: object) -> bool:
        if not _number(expected):
            raise InputError(f"range operators need a number, got {expected!r}")
        return _number(actual) and op(float(actual), float(expected))  # type: ignore[arg-type]

    return check


def _is_in(actual: object, expected: object) -> bool:
    if not isinstance(expected, list):
        raise InputError(f"$in/$nin need a list, got {expected!r}")
    if isinstance(actual, list):
        return any(item in expected for item in actual)
    return actual in expected


def _equals(actual: object, expected: object) -> bool:
    if isinstance(actual, list):
        return expected in actual
    return actual == expected


_FIELD_OPERATORS: dict[str, Callable[[object, object], bool]] = {
    "$eq": _equals,
    "$ne": lambda actual, expected: actual is not None and not _equals(actual, expected),
    "$in": _is_in,
    "$nin": lambda actual, expected: actual is not None and not _is_in(actual, expected),
    "$gt": _compare(lambda a, b: a > b),
    "$gte": _compare(lambda a, b: a >= b),
    "$lt": _compare(lambda a, b: a < b),
    "$lte": _compare(lambda a, b: a <= b),
    "$exists": lambda actual, expected: (actual is not None) == bool(expected),
}


def matches(metadata_filter: MetadataFilter | None, metadata: Mapping[str, object]) -> bool:
    """Whether ``metadata`` satisfies ``metadata_filter`` (None matches everything)."""
    if not metadata_filter:
        return True
    if not isinstance(metadata_filter, Mapping):
        raise InputError(f"a metadata filter must be an object, got {metadata_filter!r}")
    return all(_clause(key, value, metadata) for key, value in metadata_filter.items())


def _clause(key: str, condition: object, metadata: Mapping[str, object]) -> bool:
    if key in ("$and", "$or"):
        if not isinstance(condition, list) or not condition:
            raise InputError(f"{key} needs a non-empty list of filters")
        results = (matches(sub, metadata) for sub in condition)
        return all(results) if key == "$and" else any(results)
    if key.startswith("$"):
        raise InputError(f"unknown filter operator {key}")
    actual = metadata.get(key)
    if not isinstance(condition, Mapping):
        return _equals(actual, condition)
    for op, expected in condition.items():
        check = _FIELD_OPERATORS.get(op)
        if check is None:
            raise InputError(f"unknown filter operator {op} on field {key}")
        if not check(actual, expected):
            return False
    return True


def all_of(*filters: MetadataFilter | None) -> MetadataFilter | None:
    """Combine filters with ``$and``, dropping empty ones."""
    present = [f for f in filters if f]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return {"$and": list(present)}
