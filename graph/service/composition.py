"""Default parts of ``CampaignService``: stores, leases, specialists and connector.

``default_parts`` picks the Redis saver (``graph.checkpoint.open_savers``), its lease, its stop
requests and the Redis content event log unless a checkpointer is injected; with an injected
checkpointer (``InMemorySaver`` in tests and benchmarks) leases are process-local, a stop
reaches only runs of the same process, and the event log lives in memory unless one is passed.
"""

from __future__ import annotations

import importlib
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from langgraph.checkpoint.base import BaseCheckpointSaver

from agents.base import Specialist
from tools.connectors.base import Connector
from tools.connectors.registry import ConnectorRouter
from tools.errors import CampaignBusy, ConfigError
from tools.event_log import EventLog, InMemoryEventLog, RedisEventLog
from tools.events import TraceEvent
from tools.redis_server import connect
from tools.settings import Settings

if TYPE_CHECKING:  # the real parts; imported when built (torch, the vector index are heavy)
    from agents.classifiers.triage import Triage
    from agents.compliance import ComplianceReviewer
    from tools.memory.facade import BrandMemory


class LocalLeases:
    """Process-local one-writer leases (for injected in-memory checkpointers)."""

    def __init__(self) -> None:
        self._held: set[str] = set()

    @asynccontextmanager
    async def _lease(self, thread_id: str) -> AsyncIterator[None]:
        if thread_id in self._held:
            raise CampaignBusy(thread_id)
        self._held.add(thread_id)
        try:
            yield
        finally:
            self._held.discard(thread_id)

    def __call__(self, thread_id: str) -> AbstractAsyncContextManager[None]:
        return self._lease(thread_id)


class StopSignals(Protocol):
    """Stop requests that reach a campaign's run in another process (``AsyncStopRequests``)."""

    async def request(self, thread_id: str) -> bool:
        """Ask the running campaign to stop; False when nothing runs it."""
        ...

    async def taken(self, thread_id: str) -> bool:
        """For the process running it: whether a stop was asked (consumes the request)."""
        ...


@dataclass
class ServiceParts:
    """Everything the service needs besides the optional memory and triage."""

    checkpointer: BaseCheckpointSaver[Any]
    sync_checkpointer: BaseCheckpointSaver[Any]
    leases: Callable[[str], AbstractAsyncContextManager[Any]]
    specialists: Mapping[str, Specialist]
    connector: Connector
    event_log: EventLog
    stops: StopSignals | None = None


def default_parts(
    settings: Settings,
    checkpointer: BaseCheckpointSaver[Any] | None,
    specialists: Mapping[str, Specialist] | None,
    connector: Connector | None,
    event_log: EventLog | None,
) -> ServiceParts:
    """Fill in every part not injected."""
    if specialists is None:
        from agents.registry import build_specialists

        specialists = {kind: s for kind, s in build_specialists(settings).items()}
    connector = connector or ConnectorRouter(settings)  # per channel; default: outbox/v1
    if checkpointer is not None:
        return ServiceParts(
            checkpointer, checkpointer, LocalLeases(), specialists, connector,
            event_log or InMemoryEventLog(),
        )  # fmt: skip
    from graph.checkpoint import open_savers

    sync_saver, async_saver = open_savers(settings)
    lease_ms = max(100, int(settings.checkpoint_lease_seconds * 1000))
    return ServiceParts(
        checkpointer=async_saver,
        sync_checkpointer=sync_saver,
        leases=lambda thread_id: async_saver.lease(thread_id, ttl_ms=lease_ms),
        specialists=specialists,
        connector=connector,
        event_log=event_log or RedisEventLog(connect(settings)),
        stops=async_saver.stop_requests(),
    )


def open_compliance(settings: Settings) -> ComplianceReviewer | None:
    """The compliance critic when ``campaign_compliance`` is on (``critic`` role models)."""
    if not settings.campaign_compliance:
        return None
    from agents.registry import build_compliance

    return build_compliance(settings)


class FromSettings:
    """Marker: build this part as the settings ask (see ``open_memory_and_triage``)."""


FROM_SETTINGS = FromSettings()


def load_attribute(module_name: str, attribute: str, switch: str) -> Any:
    """``module.attribute`` imported only now, or a ConfigError naming the setting that switches
    it off (heavy parts such as torch load only when a switched-on part needs them)."""
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError):
        fix = f": set {switch}=false" if switch else " yet"
        raise ConfigError(
            f"{module_name}.{attribute} is not available in this build{fix}"
        ) from None


def open_memory_and_triage(
    settings: Settings, *, memory: bool = True, triage: bool = True
) -> tuple[BrandMemory | None, Triage | None]:
    """Brand memory and triage as the ``campaign_memory`` / ``campaign_triage`` settings ask.

    A switched-on part that cannot load (no trained classifier, unreadable index) is a
    ``ConfigError`` saying how to fix it, not a silent downgrade.
    """
    brand_memory: BrandMemory | None = None
    classifiers: Triage | None = None
    if memory and settings.campaign_memory:
        open_memory: Callable[[Settings], BrandMemory] = load_attribute(
            "tools.memory", "open_memory", "BRANDLOOM_CAMPAIGN_MEMORY"
        )
        brand_memory = open_memory(settings)
    if triage and settings.campaign_triage:
        load_triage: Callable[[Settings], Triage] = load_attribute(
            "agents.classifiers", "load_triage", "BRANDLOOM_CAMPAIGN_TRIAGE"
        )
        classifiers = load_triage(settings)
    return brand_memory, classifiers


async def call_sink(sink: Callable[..., Awaitable[None] | None] | None, *args: Any) -> None:
    """Call an event/token sink, sync or async (None: nothing to do)."""
    if sink is None:
        return
    result = sink(*args)
    if inspect.isawaitable(result):
        await result


def node_event(
    thread_id: str, chunk: dict[str, Any], started: dict[str, float]
) -> TraceEvent | None:
    """A ``node`` trace event for a task that started or finished (``tasks`` stream mode)."""
    name, task_id = str(chunk.get("name", "")), str(chunk.get("id", ""))
    if "input" in chunk:
        started[task_id] = time.perf_counter()
        return TraceEvent(kind="node", thread_id=thread_id, node=name, summary="started")
    began = started.pop(task_id, None)
    if began is None:
        return None
    outcome = (
        "interrupted"
        if chunk.get("interrupts")
        else ("failed" if chunk.get("error") else "finished")
    )
    latency = (time.perf_counter() - began) * 1000
    return TraceEvent(
        kind="node", thread_id=thread_id, node=name, latency_ms=latency, summary=outcome
    )
