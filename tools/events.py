"""Trace events: one record per model call, classifier decision, check, node and human decision.

The UI, the CLI and the KPIs all read these same events. Events hold data only (no clients,
no secrets); they are kept in graph state (``trace`` key) and appended to the content event log.
"""

from __future__ import annotations

import time
import uuid
from typing import Literal

from pydantic import BaseModel, Field

EventKind = Literal[
    "node",  # a graph node started/finished
    "model_call",  # one call to a generation model
    "classifier",  # one small-model decision (tone, category)
    "memory",  # brand-memory recall or write
    "check",  # a verifier check result
    "gate",  # a gate opened (interrupt) for humans
    "decision",  # a human decision at a gate
    "publish",  # a connector call and its receipt
    "budget",  # a quota stopped or limited work
    "error",  # a failure that was handled (retry, fallback, human review)
]


def _new_event_id() -> str:
    return uuid.uuid4().hex


class TraceEvent(BaseModel):
    """One traced step of a campaign run."""

    kind: EventKind
    """What happened."""
    event_id: str = Field(default_factory=_new_event_id)
    """Unique id of the event."""
    thread_id: str = ""
    """The campaign (LangGraph thread) the event belongs to."""
    node: str = ""
    """Graph node that produced the event."""
    agent: str = ""
    """Specialist or component name (``copywriter``, ``tone-classifier`` ...)."""
    asset_id: str = ""
    """Asset the event concerns, if any."""
    model_id: str = ""
    """``provider:model`` id used for the call."""
    prompt_tokens: int = 0
    """Prompt tokens billed."""
    completion_tokens: int = 0
    """Completion tokens billed."""
    cost_usd: float = 0.0
    """Cost from the price table, in US dollars."""
    usage_estimated: bool = False
    """The provider sent no usage: the token counts (and cost) were counted locally."""
    price_unknown: bool = False
    """The model has no entry in the price table: ``cost_usd`` is 0 and budgets are not
    enforced for its calls."""
    latency_ms: float = 0.0
    """Wall-clock time of the step, in milliseconds."""
    retries: int = 0
    """Retries spent on transient failures before this result."""
    memory_item_ids: list[str] = Field(default_factory=list)
    """Brand-memory items put into the prompt."""
    checks: dict[str, bool] = Field(default_factory=dict)
    """Check name -> passed."""
    label: str | None = None
    """Classifier label (None: below the confidence threshold, treated as unknown)."""
    confidence: float | None = None
    """Classifier confidence in [0, 1]."""
    summary: str = ""
    """One human-readable line (input or output excerpt, decision, error message)."""
    created_at: float = Field(default_factory=time.time)
    """Unix time the event was recorded."""

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens
