"""Pinecone's metadata-filter semantics and record checks, for ``tests/fakes/pinecone_emulator.py``.

Written independently of ``tools.memory.filters`` so the emulator does not share our bugs.
"""

from __future__ import annotations

import math
from typing import Any


class ApiFailure(Exception):
    def __init__(self, status: int, message: str, code: str | int = "INVALID_ARGUMENT") -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def filter_matches(flt: dict[str, Any], meta: dict[str, Any]) -> bool:
    if not isinstance(flt, dict):
        raise ApiFailure(400, "filter must be an object")
    for key, cond in flt.items():
        if key == "$and":
            ok = all(filter_matches(f, meta) for f in _sub_filters(key, cond))
        elif key == "$or":
            ok = any(filter_matches(f, meta) for f in _sub_filters(key, cond))
        elif key.startswith("$"):
            raise ApiFailure(400, f"unsupported filter operator {key}")
        elif isinstance(cond, dict):
            ok = all(_op(op, meta.get(key), val, key in meta) for op, val in cond.items())
        else:
            ok = _op("$eq", meta.get(key), cond, key in meta)
        if not ok:
            return False
    return True


def _sub_filters(key: str, cond: Any) -> list[dict[str, Any]]:
    if not isinstance(cond, list) or not cond:
        raise ApiFailure(400, f"{key} requires a non-empty array")
    return cond


def _op(op: str, actual: Any, expected: Any, present: bool) -> bool:
    values = actual if isinstance(actual, list) else [actual]
    if op == "$eq":
        return present and expected in values
    if op == "$ne":
        return present and expected not in values
    if op in ("$in", "$nin"):
        if not isinstance(expected, list):
            raise ApiFailure(400, f"{op} requires an array")
        hit = present and any(v in expected for v in values)
        return hit if op == "$in" else present and not hit
    if op == "$exists":
        return present == bool(expected)
    if op in ("$gt", "$gte", "$lt", "$lte"):
        if isinstance(expected, bool) or not isinstance(expected, int | float):
            raise ApiFailure(400, f"{op} requires a number")
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return False
        return {
            "$gt": actual > expected,
            "$gte": actual >= expected,
            "$lt": actual < expected,
            "$lte": actual <= expected,
        }[op]
    raise ApiFailure(400, f"unsupported filter operator {op}")


def check_metadata(vector_id: str, meta: Any) -> dict[str, Any]:
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise ApiFailure(400, f"metadata of vector {vector_id} must be an object")
    for key, value in meta.items():
        ok = isinstance(value, str | bool | int | float) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        )
        if not ok or (isinstance(value, float) and not math.isfinite(value)):
            raise ApiFailure(
                400,
                f"Metadata value for field {key} must be a string, number, "
                "boolean or list of strings",
            )
    return meta
