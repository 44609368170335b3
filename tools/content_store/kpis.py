"""KPIs computed from store events only (no checkpoints, no prose matching).

``compute_kpis`` is the reference: plain Python over the events. The SQL store computes the
same numbers with aggregates (``tools.content_store.sql_kpis``); the contract suite checks both
agree on a known history. Definitions (``E`` = events passing the filters: brand, thread, and
``since <= at < until``):

- ``approved_assets``: distinct assets with a ``status_changed`` to ``approved`` in E;
  ``published_assets`` likewise with ``published``; ``assets``: distinct assets with a
  ``version_created`` in E.
- ``cost_usd``: the sum of ``model_call`` costs in E.
- ``approved_per_1000_usd`` = approved_assets * 1000 / cost_usd;
  ``cost_per_approved_usd`` = cost_usd / approved_assets (None when dividing by zero).
- ``first_pass_approval_rate``: of the assets with a review-gate decision in E, the share whose
  first such decision was ``approve`` (no edit, no rejection).
- ``rewrite_rate``: the mean normalized word edit distance of the ``edit`` decisions in E
  (0 = nothing changed, 1 = everything rewritten).
- ``time_to_publish_s``: mean over assets published in E of (their earliest publication in E -
  the campaign's earliest ``campaign_started``), in seconds.
- ``time_to_fix_s``: mean over ``asset_flagged`` events in E of (the first later publication of
  a newer version of that asset - the flag), over the flags that were fixed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel

from tools.content_store.events import (
    AssetFlagged,
    CampaignStarted,
    HumanDecision,
    ModelCalled,
    StatusChanged,
    StoredEvent,
    VersionCreated,
)


class KpiFilter(BaseModel):
    """Which events count: one brand, one campaign, one period (unix seconds, until exclusive)."""

    brand: str | None = None
    thread_id: str | None = None
    since: float | None = None
    until: float | None = None

    def admits(self, event: StoredEvent) -> bool:
        return (
            (self.brand is None or event.brand == self.brand)
            and (self.thread_id is None or event.thread_id == self.thread_id)
            and (self.since is None or event.at >= self.since)
            and (self.until is None or event.at < self.until)
        )


class Kpis(BaseModel):
    """Content KPIs over a brand, campaign and period (see the module docstring)."""

    campaigns: int = 0
    assets: int = 0
    approved_assets: int = 0
    published_assets: int = 0
    model_calls: int = 0
    cost_usd: float = 0.0
    approved_per_1000_usd: float | None = None
    cost_per_approved_usd: float | None = None
    first_pass_approval_rate: float | None = None
    human_edits: int = 0
    rewrite_rate: float | None = None
    time_to_publish_s: float | None = None
    flagged: int = 0
    fixed: int = 0
    time_to_fix_s: float | None = None


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


@dataclass
class _Tally:
    campaigns: set[str]
    assets: set[tuple[str, str]]
    approved: set[tuple[str, str]]
    published_at: dict[tuple[str, str], float]
    first_review: dict[tuple[str, str], str]
    edits: list[float]
    calls: int = 0
    cost: float = 0.0


def compute_kpis(events: Iterable[StoredEvent], where: KpiFilter | None = None) -> Kpis:
    """KPIs over ``events`` (every event of the store, position order) passing ``where``."""
    where = where or KpiFilter()
    ordered = list(events)
    started: dict[str, float] = {}
    tally = _Tally(set(), set(), set(), {}, {}, [])
    flags: list[StoredEvent] = []
    for event in ordered:
        payload = event.payload
        if isinstance(payload, CampaignStarted):
            started[event.thread_id] = min(started.get(event.thread_id, event.at), event.at)
        if where.admits(event):
            _count(tally, event)
            if isinstance(payload, AssetFlagged):
                flags.append(event)
    publications = _publications(ordered) if flags else {}
    fixes = [
        _fix_delay(flag, publications.get((flag.thread_id, flag.asset_id), [])) for flag in flags
    ]
    fixed = [delay for delay in fixes if delay is not None]
    to_publish = [
        at - started[thread] for (thread, _), at in tally.published_at.items() if thread in started
    ]
    approved = len(tally.approved)
    first_pass = [decision == "approve" for decision in tally.first_review.values()]
    return Kpis(
        campaigns=len(tally.campaigns),
        assets=len(tally.assets),
        approved_assets=approved,
        published_assets=len(tally.published_at),
        model_calls=tally.calls,
        cost_usd=tally.cost,
        approved_per_1000_usd=_ratio(approved * 1000, tally.cost),
        cost_per_approved_usd=_ratio(tally.cost, approved),
        first_pass_approval_rate=_ratio(sum(first_pass), len(first_pass)),
        human_edits=len(tally.edits),
        rewrite_rate=_mean(tally.edits),
        time_to_publish_s=_mean(to_publish),
        flagged=len(flags),
        fixed=len(fixed),
        time_to_fix_s=_mean(fixed),
    )


def _count(tally: _Tally, event: StoredEvent) -> None:
    payload = event.payload
    ref = (event.thread_id, event.asset_id)
    if isinstance(payload, CampaignStarted):
        tally.campaigns.add(event.thread_id)
    elif isinstance(payload, VersionCreated):
        tally.assets.add(ref)
    elif isinstance(payload, ModelCalled):
        tally.calls += 1
        tally.cost += payload.cost_usd
    elif isinstance(payload, StatusChanged) and payload.to_status == "approved":
        tally.approved.add(ref)
    elif isinstance(payload, StatusChanged) and payload.to_status == "published":
        tally.published_at[ref] = min(tally.published_at.get(ref, event.at), event.at)
    elif isinstance(payload, HumanDecision) and payload.gate == "review":
        tally.first_review.setdefault(ref, payload.decision)
        if payload.decision == "edit":
            tally.edits.append(payload.edit_distance or 0.0)


def _publications(events: list[StoredEvent]) -> dict[tuple[str, str], list[StoredEvent]]:
    """Every ``published`` move per asset, in position order."""
    found: dict[tuple[str, str], list[StoredEvent]] = {}
    for event in events:
        payload = event.payload
        if isinstance(payload, StatusChanged) and payload.to_status == "published":
            found.setdefault((event.thread_id, event.asset_id), []).append(event)
    return found


def _fix_delay(flag: StoredEvent, publications: list[StoredEvent]) -> float | None:
    """Seconds from a flag to the first later publication of a newer version, if any."""
    for event in publications:
        if event.position > flag.position and event.version > flag.version:
            return event.at - flag.at
    return None
