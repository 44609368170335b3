"""The KPIs of ``tools.content_store.kpis`` as SQL aggregates (SQLite and PostgreSQL alike).

Four queries, each one pass over the filtered events (plus index look-ups for time-to-fix), so
the KPIs of a store with 100,000 events take milliseconds, not a Python loop over all of them.
Only portable SQL: ``CASE`` inside aggregates rather than ``FILTER``, distinct assets counted on
``thread_id || US || asset_id``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tools.content_store.kpis import KpiFilter, Kpis
from tools.content_store.schema import events

_SEPARATOR = "\x1f"


def _conditions(table: sa.Table | Any, where: KpiFilter) -> list[sa.ColumnElement[bool]]:
    c = table.c
    conditions: list[sa.ColumnElement[bool]] = []
    if where.brand is not None:
        conditions.append(c.brand == where.brand)
    if where.thread_id is not None:
        conditions.append(c.thread_id == where.thread_id)
    if where.since is not None:
        conditions.append(c.at >= where.since)
    if where.until is not None:
        conditions.append(c.at < where.until)
    return conditions


def _when(condition: sa.ColumnElement[bool], value: Any) -> sa.Case[Any]:
    return sa.case((condition, value), else_=None)


def _totals_query(where: KpiFilter) -> sa.Select:
    c = events.c
    asset = c.thread_id + sa.literal(_SEPARATOR) + c.asset_id
    status_is = lambda status: sa.and_(c.type == "status_changed", c.to_status == status)  # noqa: E731
    edit = sa.and_(c.type == "decision", c.gate == "review", c.decision == "edit")
    return sa.select(
        sa.func.count(sa.distinct(_when(c.type == "campaign_started", c.thread_id))),
        sa.func.count(sa.distinct(_when(c.type == "version_created", asset))),
        sa.func.count(sa.distinct(_when(status_is("approved"), asset))),
        sa.func.count(sa.distinct(_when(status_is("published"), asset))),
        sa.func.count(_when(c.type == "model_call", 1)),
        sa.func.sum(_when(c.type == "model_call", c.cost_usd)),
        sa.func.count(_when(edit, 1)),
        sa.func.avg(_when(edit, c.edit_distance)),
    ).where(*_conditions(events, where))


def _first_pass_query(where: KpiFilter) -> sa.Select:
    c = events.c
    first = (
        sa.select(c.thread_id, c.asset_id, sa.func.min(c.position).label("position"))
        .where(c.type == "decision", c.gate == "review", *_conditions(events, where))
        .group_by(c.thread_id, c.asset_id)
        .subquery()
    )
    decision = events.alias("first_decision")
    approved = sa.func.sum(sa.case((decision.c.decision == "approve", 1), else_=0))
    return sa.select(sa.func.count(), approved).select_from(
        first.join(decision, decision.c.position == first.c.position)
    )


def _time_to_publish_query(where: KpiFilter) -> sa.Select:
    c = events.c
    published = (
        sa.select(c.thread_id, c.asset_id, sa.func.min(c.at).label("at"))
        .where(c.type == "status_changed", c.to_status == "published", *_conditions(events, where))
        .group_by(c.thread_id, c.asset_id)
        .subquery()
    )
    start = events.alias("start")
    started = (
        sa.select(start.c.thread_id, sa.func.min(start.c.at).label("at"))
        .where(start.c.type == "campaign_started")
        .group_by(start.c.thread_id)
        .subquery()
    )
    return sa.select(sa.func.avg(published.c.at - started.c.at)).select_from(
        published.join(started, started.c.thread_id == published.c.thread_id)
    )


def _time_to_fix_query(where: KpiFilter) -> sa.Select:
    flag = events.alias("flag")
    fix = events.alias("fix")
    fixed_at = (
        sa.select(fix.c.at)
        .where(
            fix.c.thread_id == flag.c.thread_id,
            fix.c.asset_id == flag.c.asset_id,
            fix.c.type == "status_changed",
            fix.c.to_status == "published",
            fix.c.version > flag.c.version,
            fix.c.position > flag.c.position,
        )
        .order_by(fix.c.position)
        .limit(1)
        .scalar_subquery()
    )
    delays = (
        sa.select((fixed_at - flag.c.at).label("delay"))
        .where(flag.c.type == "asset_flagged", *_conditions(flag, where))
        .subquery()
    )
    return sa.select(sa.func.count(), sa.func.count(delays.c.delay), sa.func.avg(delays.c.delay))


def sql_kpis(connection: sa.Connection, where: KpiFilter) -> Kpis:
    """KPIs over the filtered events, computed by the database."""
    totals = connection.execute(_totals_query(where)).one()
    campaigns, assets, approved, published, calls, cost, edits, rewrite = totals
    cost = float(cost or 0.0)
    reviewed, first_pass = connection.execute(_first_pass_query(where)).one()
    to_publish = connection.execute(_time_to_publish_query(where)).scalar()
    flagged, fixed, to_fix = connection.execute(_time_to_fix_query(where)).one()
    return Kpis(
        campaigns=campaigns,
        assets=assets,
        approved_assets=approved,
        published_assets=published,
        model_calls=calls,
        cost_usd=cost,
        approved_per_1000_usd=approved * 1000 / cost if cost else None,
        cost_per_approved_usd=cost / approved if approved else None,
        first_pass_approval_rate=(first_pass or 0) / reviewed if reviewed else None,
        human_edits=edits,
        rewrite_rate=float(rewrite) if rewrite is not None else None,
        time_to_publish_s=float(to_publish) if to_publish is not None else None,
        flagged=flagged,
        fixed=fixed,
        time_to_fix_s=float(to_fix) if to_fix is not None else None,
    )
