"""The run-scoped context every node receives (LangGraph ``Runtime.context``).

Clients live here, never in state: specialists, brand memory, triage classifiers, the
compliance critic, the publishing connector, the content event log and the clock. ``memory``,
``triage`` and ``compliance`` are optional (None: that step is skipped). Their types are the
real classes (``tools.memory.BrandMemory``, ``agents.classifiers.Triage``,
``agents.compliance.ComplianceReviewer``), imported for type checking only: the heavy packages
(torch, the vector index) load only when the composition root builds them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agents.base import Specialist
from tools.connectors.base import Connector
from tools.event_log import EventLog
from tools.settings import Settings

if TYPE_CHECKING:
    from agents.classifiers.triage import Triage
    from agents.compliance import ComplianceReviewer
    from tools.memory.facade import BrandMemory


@dataclass
class CampaignContext:
    """Dependencies of one campaign run, passed as ``context=`` to the compiled graph."""

    settings: Settings
    specialists: Mapping[str, Specialist]
    """Asset kind -> specialist that writes it."""
    connector: Connector
    event_log: EventLog
    memory: BrandMemory | None = None
    triage: Triage | None = None
    compliance: ComplianceReviewer | None = None
    """The compliance critic (an extra model call per draft that passes the checks)."""
    clock: Callable[[], float] = field(default=time.time)
    """Unix time source (injectable for deterministic tests)."""
    fanout_spend: dict[str, float] = field(default_factory=dict)
    """Thread -> USD spent by the current fan-out's tasks (not yet summed into state), so a
    task started after a sibling spent the rest of the budget stops before its call."""
    unpriced_warned: set[tuple[str, str]] = field(default_factory=set)
    """(thread, model id) pairs already told "price unknown" by this process."""
