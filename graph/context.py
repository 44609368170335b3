"""The run-scoped context every node receives (LangGraph ``Runtime.context``).

Clients live here, never in state: specialists, brand memory, triage classifiers, the
compliance critic, the publishing connector, the content event log and the clock. ``memory``,
``triage`` and ``compliance`` are optional (None: that step is skipped). Their types are small
protocols matching ``tools.memory.BrandMemory``, ``agents.classifiers.Triage`` and
``agents.compliance.ComplianceReviewer``, so the graph does not import those packages.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from agents.base import DraftRequest, Specialist, TokenSink
from tools.connectors.base import Connector
from tools.event_log import EventLog
from tools.events import TraceEvent
from tools.settings import Settings


class RecalledItem(Protocol):
    """What the graph reads from a ``tools.memory.MemoryItem`` (read-only, so the real
    model's narrower field types, e.g. a ``Literal`` kind, satisfy it)."""

    @property
    def item_id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def text(self) -> str: ...


class BrandMemoryLike(Protocol):
    """The part of ``tools.memory.BrandMemory`` the graph uses."""

    def recall(
        self,
        brand: str,
        queries: list[str],
        *,
        kinds: Any = None,
        top_k: int = 5,
        asset_kind: str | None = None,
    ) -> Sequence[Sequence[RecalledItem]]: ...

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
    ) -> str: ...


class LabelLike(Protocol):
    """``agents.classifiers.LabelPrediction``: label None means below threshold (unknown)."""

    @property
    def label(self) -> str | None: ...

    @property
    def confidence(self) -> float: ...

    @property
    def latency_ms(self) -> float: ...


class TriageResultLike(Protocol):
    """``agents.classifiers.TriageResult``; read-only members, so its concrete
    ``LabelPrediction`` fields satisfy ``LabelLike`` (settable members would be invariant)."""

    @property
    def tone(self) -> LabelLike: ...

    @property
    def category(self) -> LabelLike: ...


class TriageLike(Protocol):
    """The part of ``agents.classifiers.Triage`` the graph uses."""

    def classify(self, texts: list[str]) -> Sequence[TriageResultLike]: ...


class ComplianceReportLike(Protocol):
    """``agents.compliance.ComplianceReport``."""

    @property
    def verdict(self) -> str:
        """``pass``, ``fail`` or ``unclear``."""
        ...

    @property
    def findings(self) -> list[str]: ...

    @property
    def events(self) -> list[TraceEvent]: ...

    @property
    def failed(self) -> bool: ...

    @property
    def error(self) -> str: ...


class ComplianceLike(Protocol):
    """``agents.compliance.ComplianceReviewer``: reviews ``request.previous_text``."""

    async def review(
        self, request: DraftRequest, on_token: TokenSink | None = None
    ) -> ComplianceReportLike: ...


@dataclass
class CampaignContext:
    """Dependencies of one campaign run, passed as ``context=`` to the compiled graph."""

    settings: Settings
    specialists: Mapping[str, Specialist]
    """Asset kind -> specialist that writes it."""
    connector: Connector
    event_log: EventLog
    memory: BrandMemoryLike | None = None
    triage: TriageLike | None = None
    compliance: ComplianceLike | None = None
    """The compliance critic (an extra model call per draft that passes the checks)."""
    clock: Callable[[], float] = field(default=time.time)
    """Unix time source (injectable for deterministic tests)."""
    fanout_spend: dict[str, float] = field(default_factory=dict)
    """Thread -> USD spent by the current fan-out's tasks (not yet summed into state), so a
    task started after a sibling spent the rest of the budget stops before its call."""
    unpriced_warned: set[tuple[str, str]] = field(default_factory=set)
    """(thread, model id) pairs already told "price unknown" by this process."""
