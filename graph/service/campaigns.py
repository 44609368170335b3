"""``CampaignService``: the only thing adapters (CLI, Chainlit) call.

It compiles the campaign graph once with the checkpointer (the Redis saver by default), runs
every start/resume under the thread's one-writer lease with ``durability="sync"``, streams
trace events to ``on_event`` and text chunks to ``on_token``, and validates every human input
(briefs, gate decisions, edits) before the graph sees it, so bad input changes nothing.

Stopping is cooperative: ``request_stop`` asks the running graph to drain, which ends the run
at the next step boundary with every finished step checkpointed; ``resume`` continues it.
``stop`` also reaches a run in another process (a CLI run stopped from the chat, say): on the
Redis saver the request goes through Redis, and every run polls for requests addressed to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.errors import GraphDrained, InvalidUpdateError
from langgraph.runtime import RunControl
from langgraph.types import Command, Overwrite

from agents.base import Specialist
from graph.builder import build_graph
from graph.context import CampaignContext
from graph.gates import GatePayload, PublishDecision, parse_resume
from graph.nodes.decisions import plan_record
from graph.planning.brief import Brief
from graph.planning.checks import BriefLimits, checked_brief
from graph.planning.edits import (
    CampaignEdits,
    draft_update,
    fork_values,
    parse_edits,
    parse_rows,
    plan_update,
)
from graph.planning.plan import Deliverable
from graph.service.composition import (
    FROM_SETTINGS,
    FromSettings,
    LocalLeases,
    StopSignals,
    call_sink,
    default_parts,
    node_event,
    open_compliance,
    open_memory_and_triage,
)
from graph.service.rollback import rollback_update
from graph.service.store import OwnedStore
from graph.service.store_gates import stop_event
from graph.service.store_record import record_campaign
from graph.service.views import (
    CampaignView,
    CheckpointInfo,
    RunOutcome,
    campaign_view,
    checkpoint_info,
    outcome_of,
    status_of,
)
from tools.connectors.base import Connector
from tools.content_store import ContentStore
from tools.content_store.events import StoredEvent, StoreEvent
from tools.content_store.kpis import KpiFilter, Kpis, compute_kpis
from tools.errors import InputError, NotFoundError, PermissionDenied, StoreError
from tools.event_log import ContentEvent, EventLog
from tools.events import TraceEvent
from tools.ids import is_id
from tools.roles import Permission, Role, checked_role, role_allows
from tools.settings import Settings

if TYPE_CHECKING:
    from agents.classifiers.triage import Triage
    from agents.compliance import ComplianceReviewer
    from tools.memory.facade import BrandMemory

EventSink = Callable[[TraceEvent], Awaitable[None] | None]
"""Receives every trace event of a run as it happens."""
TokenSink = Callable[[str, str], Awaitable[None] | None]
"""Receives ``(asset_id, chunk)`` as specialists stream text."""
LeaseFactory = Callable[[str], AbstractAsyncContextManager[Any]]
"""``thread_id`` -> an async context manager holding the thread's one-writer lease."""

RECURSION_LIMIT = 10_000


_VERBS: dict[Permission, str] = {
    "read": "read campaigns",
    "commission": "commission campaigns",
    "edit": "edit, run or stop campaigns",
    "decide": "decide at gates",
    "publish": "publish",
}


def require_role(role: object, permission: Permission) -> Role:
    """``role`` if it carries ``permission``; ``InputError`` for an unknown role,
    ``PermissionDenied`` for one that may not. Every adapter's call passes through here."""
    known = checked_role(role)
    if not role_allows(known, permission):
        raise PermissionDenied(f"{_a(known)} cannot {_VERBS[permission]}")
    return known


def _a(role: str) -> str:
    return f"an {role}" if role[:1] in "aeiou" else f"a {role}"


def checked_thread_id(thread_id: object) -> str:
    """``thread_id`` if it is a valid campaign id, else InputError."""
    if not is_id(thread_id):
        raise InputError(
            f"invalid campaign id {str(thread_id)[:40]!r}: use letters, digits, '.', '_', '-'"
        )
    return thread_id


class CampaignService:
    """Start, resume, stop, inspect, edit and fork campaigns."""

    def __init__(
        self,
        settings: Settings,
        context: CampaignContext,
        checkpointer: BaseCheckpointSaver[Any],
        *,
        sync_checkpointer: BaseCheckpointSaver[Any] | None = None,
        leases: LeaseFactory | None = None,
        stops: StopSignals | None = None,
        content_store: ContentStore | None = None,
    ) -> None:
        self.settings = settings
        self.content_store = content_store
        """The store of record; None: the one the settings name, opened once (``aclose``)."""
        self.owned_store = OwnedStore(settings)
        self.context = context
        builder = build_graph()
        self.graph = builder.compile(checkpointer=checkpointer)
        self.reader = builder.compile(checkpointer=sync_checkpointer or checkpointer)
        self.leases: LeaseFactory = leases or LocalLeases()
        self.stops = stops
        self.limits = BriefLimits.from_settings(settings)
        self._controls: dict[str, RunControl] = {}

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        specialists: Mapping[str, Specialist] | None = None,
        memory: BrandMemory | FromSettings | None = FROM_SETTINGS,
        triage: Triage | FromSettings | None = FROM_SETTINGS,
        compliance: ComplianceReviewer | FromSettings | None = FROM_SETTINGS,
        connector: Connector | None = None,
        event_log: EventLog | None = None,
        checkpointer: BaseCheckpointSaver[Any] | None = None,
        content_store: ContentStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> CampaignService:
        """The service on the configured stores; every part can be injected (tests, bench).

        Without ``checkpointer`` it runs on the Redis saver (embedded Redis unless
        ``REDIS_URL`` is set) with the saver's lease; with one (e.g. ``InMemorySaver``) it uses
        process-local leases. ``content_store`` defaults to the one the settings name (SQLite
        under the data dir unless ``BRANDLOOM_CONTENT_STORE_URL`` is set). ``specialists``
        default to ``agents.registry.build_specialists``;
        ``memory``, ``triage`` and ``compliance`` default to what the ``campaign_memory`` /
        ``campaign_triage`` / ``campaign_compliance`` settings ask for (None: run without).
        """
        parts = default_parts(settings, checkpointer, specialists, connector, event_log)
        loaded_memory, loaded_triage = open_memory_and_triage(
            settings,
            memory=isinstance(memory, FromSettings),
            triage=isinstance(triage, FromSettings),
        )
        memory = loaded_memory if isinstance(memory, FromSettings) else memory
        triage = loaded_triage if isinstance(triage, FromSettings) else triage
        if isinstance(compliance, FromSettings):
            compliance = open_compliance(settings)
        context = CampaignContext(
            settings=settings,
            specialists=parts.specialists,
            connector=parts.connector,
            event_log=parts.event_log,
            memory=memory,
            triage=triage,
            compliance=compliance,
            clock=clock,
        )
        return cls(
            settings,
            context,
            parts.checkpointer,
            sync_checkpointer=parts.sync_checkpointer,
            leases=parts.leases,
            stops=parts.stops,
            content_store=content_store,
        )

    # --- runs --------------------------------------------------------------------------------

    def _config(self, thread_id: str) -> RunnableConfig:
        return {
            "configurable": {"thread_id": checked_thread_id(thread_id)},
            "max_concurrency": self.settings.max_concurrency,
            "recursion_limit": RECURSION_LIMIT,
        }

    def parse_brief(self, brief: str | Brief, budget_usd: float | None = None) -> Brief:
        """Validate a brief the way ``start`` does: every problem at once (``BriefInvalid``),
        with the same limits (settings) whatever the triage setting; nothing is saved."""
        return checked_brief(brief, self.limits, budget_usd)

    async def start(
        self,
        thread_id: str,
        brief: str | Brief,
        owner: str,
        on_event: EventSink | None = None,
        on_token: TokenSink | None = None,
        *,
        budget_usd: float | None = None,
        role: Role = "editor",
    ) -> RunOutcome:
        """Validate the role, the id and the brief, then run a new campaign until its first
        gate (or the end). Nothing is saved unless all three are valid."""
        require_role(role, "commission")
        config = self._config(thread_id)
        parsed = self.parse_brief(brief, budget_usd)
        async with self.leases(thread_id):
            if (await self.graph.aget_state(config)).values:
                raise InputError(f"campaign {thread_id} already exists: resume it instead")
            state = {
                "thread_id": thread_id,
                "owner": owner,
                "brief": parsed.model_dump(mode="json"),
                "plan": {},
                "plan_approved": False,
                "publish_approved": False,
                "phase": "planning",
                "stop_reason": "",
            }
            return await self._run(config, state, on_event, on_token)

    async def resume(
        self,
        thread_id: str,
        decision: object | None = None,
        on_event: EventSink | None = None,
        on_token: TokenSink | None = None,
        *,
        role: Role = "editor",
    ) -> RunOutcome:
        """Answer the pending gate (``decision``) or continue a paused run (``None``).

        ``role`` is the caller's: continuing needs ``edit``, deciding at a plan or review gate
        ``decide``, and the publish gate ``publish`` (approvers only), whatever the decision
        itself claims.
        """
        checked_role(role)
        config = self._config(thread_id)
        async with self.leases(thread_id):
            snapshot = await self.graph.aget_state(config)
            if not snapshot.values:
                raise NotFoundError(f"no campaign {thread_id}")
            gate = outcome_of(snapshot).gate
            if decision is None:
                require_role(role, "edit")
                if gate is not None:
                    raise InputError(f"campaign {thread_id} waits at the {gate.gate} gate")
                if status_of(snapshot) == "done":
                    raise InputError(f"campaign {thread_id} is finished")
                return await self._run(config, None, on_event, on_token)
            if gate is None:
                raise InputError(f"campaign {thread_id} is not waiting for a decision")
            value = self.check_decision(gate, decision, role)
            return await self._run(config, Command(resume=value), on_event, on_token)

    @staticmethod
    def check_decision(gate: GatePayload, decision: object, role: Role) -> dict[str, Any]:
        """Validate ``role``'s decision for ``gate`` (InputError / PermissionDenied); its resume
        value. At the publish gate the caller's role is the one recorded: a decision claiming
        another role is refused."""
        if isinstance(decision, PublishDecision):  # the adapters' typed decision
            decision = decision.model_dump(mode="json")
        if gate.gate == "publish" and isinstance(decision, dict):
            claimed = checked_role(decision.get("role", role))
            require_role(role, "publish")
            if claimed != role:
                raise PermissionDenied(f"{_a(role)} cannot decide as {claimed}")
            decision = {**decision, "role": role}
        require_role(role, "publish" if gate.gate == "publish" else "decide")
        parsed = parse_resume(gate, decision)
        if isinstance(parsed, PublishDecision) and parsed.role != "approver":
            raise PermissionDenied("only an approver can decide at the publish gate")
        return parsed.model_dump(mode="json")

    async def _run(
        self,
        config: RunnableConfig,
        graph_input: Any,
        on_event: EventSink | None,
        on_token: TokenSink | None,
    ) -> RunOutcome:
        thread_id = str(config["configurable"]["thread_id"])
        control = RunControl()
        self._controls[thread_id] = control
        drained = False
        stops = self.stops
        watcher = (
            asyncio.create_task(self._watch_stops(thread_id, control, stops)) if stops else None
        )
        try:
            stream = self.graph.astream(
                graph_input,
                config,
                context=self.context,
                stream_mode=["custom", "tasks"],
                durability="sync",
                control=control,
            )
            await self._pump(thread_id, stream, on_event, on_token)
        except GraphDrained:
            drained = True
        finally:
            self._controls.pop(thread_id, None)
            if watcher:
                watcher.cancel()
        snapshot = await self.graph.aget_state(config)
        stopped: list[StoreEvent] = []
        if drained and snapshot.values:
            checkpoint_id = str(snapshot.config["configurable"].get("checkpoint_id", ""))
            at = self.context.clock()
            stopped = [stop_event(snapshot.values, checkpoint_id, "stopped by a user", "", at)]
        await self.record(thread_id, snapshot.values, stopped)
        outcome = outcome_of(snapshot)
        if outcome.gate is not None:
            gate = outcome.gate
            event = TraceEvent(
                kind="gate", thread_id=thread_id, node=f"{gate.gate}_gate", summary=gate.message
            )
            await call_sink(on_event, event)
        return outcome

    async def _pump(
        self,
        thread_id: str,
        stream: AsyncIterator[Any],
        on_event: EventSink | None,
        on_token: TokenSink | None,
    ) -> None:
        started: dict[str, float] = {}
        async for mode, chunk in stream:
            if mode == "custom" and "event" in chunk:
                await call_sink(on_event, TraceEvent.model_validate(chunk["event"]))
            elif mode == "custom" and "token" in chunk:
                await call_sink(on_token, chunk["token"]["asset_id"], chunk["token"]["chunk"])
            elif mode == "tasks":
                event = node_event(thread_id, chunk, started)
                if event is not None:
                    await call_sink(on_event, event)

    async def record(
        self, thread_id: str, values: Mapping[str, Any], extra: list[StoreEvent] | None = None
    ) -> int:
        """Append the campaign's committed events to the content store; the batch's size.

        Called after every run with the whole committed state: keys are deterministic
        (``graph.service.store_record``), so what an earlier run recorded is not stored again and
        what a crashed run committed is recorded by the next one. A store failure is a
        ``StoreError`` after the run's steps are checkpointed: nothing is lost.
        """
        transitions = self.context.event_log.read(thread_id)
        async with self.owned_store.session(self.content_store) as store:
            return await record_campaign(store, values, transitions, extra or [])

    async def recorded(self, thread_id: str) -> list[StoredEvent]:
        """The campaign's events of record, in position order.

        A campaign with none (started before the content store existed: its state is only in
        checkpoints) is backfilled from its checkpointed state first; keys are deterministic,
        so a second backfill appends nothing. ``NotFoundError`` for an unknown campaign.
        """
        checked_thread_id(thread_id)
        async with self.owned_store.session(self.content_store) as store:
            events = await store.read_all(thread_id=thread_id)
            if events:
                return events
            values = self._snapshot(thread_id).values
            await record_campaign(store, values, self.context.event_log.read(thread_id))
            return await store.read_all(thread_id=thread_id)

    async def backfill(self, thread_id: str) -> int:
        """Record the campaign's checkpointed state in the store (idempotent); the batch size."""
        return await self.record(thread_id, self._snapshot(thread_id).values)

    async def aclose(self) -> None:
        """Close the content store the service opened itself (an injected one is the caller's)."""
        await self.owned_store.close()

    def request_stop(self, thread_id: str) -> bool:
        """Pause a running campaign at the next step boundary; False when none is running."""
        control = self._controls.get(thread_id)
        if control is None:
            return False
        control.request_drain("stopped by a user")
        return True

    async def stop(self, thread_id: str, *, role: Role = "editor") -> bool:
        """``request_stop`` for a run in this or another process; False when none is running."""
        require_role(role, "edit")
        if self.request_stop(thread_id):
            return True
        checked_thread_id(thread_id)  # a bad id is refused before it reaches Redis
        return self.stops is not None and await self.stops.request(thread_id)

    async def _watch_stops(self, thread_id: str, control: RunControl, stops: StopSignals) -> None:
        """Drain the run when another process asks it to stop (polled; store errors retried)."""
        while True:
            await asyncio.sleep(self.settings.stop_poll_seconds)
            with contextlib.suppress(StoreError):
                if await stops.taken(thread_id):
                    control.request_drain("stopped by a user")
                    return

    def is_running(self, thread_id: str) -> bool:
        """Whether this process is running the campaign right now."""
        return thread_id in self._controls

    # --- reads -------------------------------------------------------------------------------

    def _snapshot(self, thread_id: str) -> Any:
        snapshot = self.reader.get_state(self._config(thread_id))
        if not snapshot.values:
            raise NotFoundError(f"no campaign {thread_id}")
        return snapshot

    def pending_gate(self, thread_id: str) -> GatePayload | None:
        """The gate the campaign waits at, if any."""
        return outcome_of(self._snapshot(thread_id)).gate

    def view(self, thread_id: str) -> CampaignView:
        """Plan, assets, totals, phase and pending gate."""
        return campaign_view(self._snapshot(thread_id))

    def history(self, thread_id: str, limit: int = 200) -> list[CheckpointInfo]:
        """Checkpoints of the campaign, newest first."""
        self._snapshot(thread_id)
        snapshots = self.reader.get_state_history(self._config(thread_id), limit=limit)
        return [checkpoint_info(s) for s in snapshots]

    def trace(self, thread_id: str) -> list[TraceEvent]:
        """Every trace event of the campaign, in order."""
        return [
            TraceEvent.model_validate(e) for e in self._snapshot(thread_id).values.get("trace", [])
        ]

    def reviews(self, thread_id: str) -> list[dict[str, Any]]:
        """Every human decision recorded on assets (with diffs for edits), in order."""
        return list(self._snapshot(thread_id).values.get("reviews", []))

    async def kpis(self, thread_id: str) -> Kpis:
        """The campaign's KPIs, computed from its events of record only."""
        events = await self.recorded(thread_id)
        return compute_kpis(events, KpiFilter(thread_id=thread_id))

    def content_events(self, thread_id: str) -> list[ContentEvent]:
        """The campaign's content event log (asset transitions)."""
        return self.context.event_log.read(thread_id)

    # --- edits and forks ---------------------------------------------------------------------

    async def _edit(
        self, thread_id: str, build: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> CampaignView:
        config = self._config(thread_id)
        async with self.leases(thread_id):
            snapshot = await self.graph.aget_state(config)
            if not snapshot.values:
                raise NotFoundError(f"no campaign {thread_id}")
            if status_of(snapshot) == "done":
                raise InputError(f"campaign {thread_id} is finished; fork it to change it")
            update = build(snapshot.values)
            try:
                await self.graph.aupdate_state(config, update)
            except InvalidUpdateError:
                await self.graph.aupdate_state(config, update, as_node="supervisor")
            if outcome_of(snapshot).gate is not None:  # re-open the gate with the edited state
                await self._run(config, None, None, None)
            return campaign_view(await self.graph.aget_state(config))

    async def edit_plan(
        self,
        thread_id: str,
        deliverables: list[Deliverable] | list[dict[str, Any]],
        *,
        role: Role = "editor",
    ) -> CampaignView:
        """Replace the deliverables matrix while the campaign is paused or at a gate.

        At a gate the edit re-opens the gate with the new state (the plan gate shows the new
        matrix); when paused, the campaign stays paused until ``resume``.
        """
        require_role(role, "edit")
        rows = parse_rows(deliverables)
        now = self.context.clock()

        def update(values: dict[str, Any]) -> dict[str, Any]:
            new = _overwrite_assets(plan_update(values, rows))
            record = plan_record(values, "edit", "", now, new_plan=new["plan"])
            return {**new, "gate_decisions": [record]}

        return await self._edit(thread_id, update)

    async def edit_draft(
        self, thread_id: str, asset_id: str, text: str, user: str = "", *, role: Role = "editor"
    ) -> CampaignView:
        """Write a human version of one asset while paused; it goes to review."""
        require_role(role, "edit")
        now = self.context.clock()
        return await self._edit(
            thread_id, lambda values: draft_update(values, asset_id, text, user, now)
        )

    async def rollback(
        self,
        thread_id: str,
        asset_id: str,
        to_version: int,
        user: str = "",
        *,
        reason: str = "",
        role: Role = "editor",
        on_event: EventSink | None = None,
    ) -> RunOutcome:
        """A new version of ``asset_id`` equal to ``to_version`` (``graph.service.rollback``).

        At a gate or finished, the campaign runs on to its next gate (the copy waits at
        review; a published asset then needs an approver at the publish gate again); paused,
        it stays paused. Bad input changes nothing.
        """
        require_role(role, "edit")
        config = self._config(thread_id)
        async with self.leases(thread_id):
            snapshot = await self.graph.aget_state(config)
            if not snapshot.values:
                raise NotFoundError(f"no campaign {thread_id}")
            now = self.context.clock()
            update = rollback_update(snapshot.values, asset_id, to_version, user, now, reason)
            await self.graph.aupdate_state(config, update, as_node="supervisor")
            if status_of(snapshot) != "paused":
                return await self._run(config, None, on_event, None)
            snapshot = await self.graph.aget_state(config)
            await self.record(thread_id, snapshot.values)
            return outcome_of(snapshot)

    async def fork(
        self,
        thread_id: str,
        checkpoint_id: str,
        edits: CampaignEdits | dict[str, Any] | None = None,
        *,
        new_thread_id: str | None = None,
        role: Role = "editor",
    ) -> str:
        """A new campaign from an earlier checkpoint, with edits; ``resume`` runs it."""
        require_role(role, "commission")
        parsed = parse_edits(edits)
        if not isinstance(checkpoint_id, str) or not checkpoint_id:
            raise InputError("name the checkpoint to fork from by its id")
        source = self._config(thread_id)
        source["configurable"]["checkpoint_id"] = checkpoint_id
        snapshot = await self.graph.aget_state(source)
        if not snapshot.values:
            raise NotFoundError(f"no checkpoint {checkpoint_id} in campaign {thread_id}")
        target = new_thread_id or f"{thread_id}-fork-{uuid.uuid4().hex[:8]}"
        config = self._config(target)
        values = fork_values(snapshot.values, parsed)
        values.update(thread_id=target, forked_from=f"{thread_id}@{checkpoint_id}")
        async with self.leases(target):
            if (await self.graph.aget_state(config)).values:
                raise InputError(f"campaign {target} already exists")
            start = await self._copy_history(thread_id, target, checkpoint_id)
            await self.graph.aupdate_state(start, values, as_node="supervisor")
        return target

    async def _copy_history(self, source: str, target: str, checkpoint_id: str) -> RunnableConfig:
        """Where a fork starts: the source's checkpoints copied into ``target`` (so the fork
        keeps the history that led to it) and ``checkpoint_id`` among them. A saver without
        ``copy_thread`` starts the fork on an empty thread instead."""
        config = self._config(target)
        saver = self.graph.checkpointer
        if not isinstance(saver, BaseCheckpointSaver):
            return config
        try:
            await saver.acopy_thread(source, target)
        except NotImplementedError:
            return config
        config["configurable"]["checkpoint_id"] = checkpoint_id
        return config


def _overwrite_assets(update: dict[str, Any]) -> dict[str, Any]:
    """A plan edit replaces the whole asset mapping (the state reducer would merge it)."""
    return {**update, "assets": Overwrite(value=update["assets"])}
