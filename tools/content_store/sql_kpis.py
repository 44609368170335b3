"""The KPIs of ``tools.content_store.kpis`` as SQL aggregates (SQLite and PostgreSQL alike).

Four statements; each KPI reads one event type, and the covering indexes of migration 0001
(``type, to_status, thread_id, asset_id ...`` and ``type, gate, decision, brand, at, cost_usd
...``) turn that into a scan of one slice of one index instead of the whole table. Only
portable SQL (SQLite and PostgreSQL).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tools.content_store.kpis import KpiFilter, Kpis
from tools.content_store.schema import events


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


def _totals_query(where: KpiFilter) -> sa.Select:
    """Every count and sum in one statement: one scalar subquery per event type (index slices)."""
    c = events.c
    kept = _conditions(events, where)

    def distinct_assets(*conditions: sa.ColumnElement[bool]) -> sa.ScalarSelect[Any]:
        assets = sa.select(c.thread_id, c.asset_id).where(*conditions, *kept).distinct()
        return sa.select(sa.func.count()).select_from(assets.subquery()).scalar_subquery()

    def over(columns: list[Any], *conditions: sa.ColumnElement[bool]) -> list[Any]:
        return [sa.select(col).where(*conditions, *kept).scalar_subquery() for col in columns]

    edit = (c.type == "decision", c.gate == "review", c.decision == "edit")
    return sa.select(
        *over([sa.func.count(sa.distinct(c.thread_id))], c.type == "campaign_started"),
        distinct_assets(c.type == "version_created", c.to_status.is_(None)),
        distinct_assets(c.type == "status_changed", c.to_status == "approved"),
        distinct_assets(c.type == "status_changed", c.to_status == "published"),
        *over([sa.func.count(), sa.func.sum(c.cost_usd)], c.type == "model_call"),
        *over([sa.func.count(), sa.func.avg(c.edit_distance)], *edit),
    )


def _first_pass_query(where: KpiFilter) -> sa.Select:
    """Assets with a review decision, and those whose first one was approve (no join needed:
    the first decision is an approval when it is also the first approval)."""
    c = events.c
    approval = sa.case((c.decision == "approve", c.position), else_=None)
    per_asset = (
        sa.select(
            sa.func.min(c.position).label("first"), sa.func.min(approval).label("first_approval")
        )
        .where(c.type == "decision", c.gate == "review", *_conditions(events, where))
        .group_by(c.thread_id, c.asset_id)
        .subquery()
    )
    first_pass = sa.case((per_asset.c.first == per_asset.c.first_approval, 1), else_=0)
    return sa.select(sa.func.count(), sa.func.sum(first_pass)).select_from(per_asset)


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
