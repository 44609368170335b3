"""The paging plan behind ``list``/``alist`` (shared by the sync and async savers)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import CheckpointTuple

from graph.checkpoint import codec
from graph.checkpoint.keys import checkpoint_name, require_text
from tools.errors import InputError

_PAGE = 50
"""Checkpoints loaded per round trip when the caller's limit does not bound the page."""


@dataclass
class ListQuery:
    """One ``list`` call: which range of a thread's index to walk and what to keep."""

    target: codec.Target
    all_namespaces: bool
    before_id: str
    metadata_filter: Mapping[str, Any] | None
    remaining: int | None

    @classmethod
    def of(
        cls,
        config: RunnableConfig | None,
        metadata_filter: Mapping[str, Any] | None,
        before: RunnableConfig | None,
        limit: int | None,
    ) -> ListQuery:
        if config is None:
            raise InputError(
                "list needs a config naming a thread_id (listing every thread is not supported)"
            )
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
            raise InputError("limit must be an integer or None")
        before_id = ""
        if before is not None:
            raw = (before.get("configurable") or {}).get("checkpoint_id")
            before_id = require_text(raw, "before.checkpoint_id") if raw else ""
        return cls(
            target=codec.target_of(config),
            all_namespaces=config["configurable"].get("checkpoint_ns") is None,
            before_id=before_id,
            metadata_filter=metadata_filter,
            remaining=limit,
        )

    @property
    def done(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    def page_size(self) -> int:
        exact = not self.metadata_filter and not self.target.checkpoint_id
        if exact and self.remaining is not None and not self.all_namespaces:
            return max(1, min(self.remaining, _PAGE * 4))
        return _PAGE

    def first_upper(self) -> str:
        """Exclusive upper bound of the first page ('' = from the newest)."""
        if self.before_id and not self.all_namespaces:
            return checkpoint_name(self.target.checkpoint_ns, self.before_id)
        return ""

    def argv(self, upper: str, page: int) -> list[Any]:
        return [self.target.checkpoint_ns, "1" if self.all_namespaces else "0", upper, page]

    def accept(self, found: CheckpointTuple) -> bool:
        """Whether ``found`` is part of the answer (and count it against the limit)."""
        checkpoint_id = found.config["configurable"]["checkpoint_id"]
        if self.target.checkpoint_id and checkpoint_id != self.target.checkpoint_id:
            return False
        if self.before_id and checkpoint_id >= self.before_id:
            return False
        if not codec.matches(found.metadata, self.metadata_filter):
            return False
        if self.remaining is not None:
            self.remaining -= 1
        return True
