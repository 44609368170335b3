"""Rich tables of the store's read models, for ``brandloom assets list|history`` and ``kpis``.

``graph.cli.store`` calls ``ContentStore.assets`` / ``lineage`` / ``kpis`` and prints what these
functions return.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.table import Table

from tools.content_store.events import AssetStatus
from tools.content_store.kpis import Kpis
from tools.content_store.lineage import VersionLineage


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def assets_table(thread_id: str, assets: dict[str, tuple[int, AssetStatus]]) -> Table:
    """One row per asset of a campaign: newest version and its status."""
    table = Table(title=f"Assets of {thread_id}")
    table.add_column("asset")
    table.add_column("version", justify="right")
    table.add_column("status")
    for asset_id, (version, status) in sorted(assets.items()):
        table.add_row(asset_id, str(version), status)
    return table


def history_table(versions: list[VersionLineage]) -> Table:
    """One row per version: who wrote it, with what, what was checked and decided."""
    title = f"History of {versions[0].asset_id}" if versions else "History"
    table = Table(title=title)
    for column in (
        "v",
        "status",
        "written by",
        "models",
        "memory",
        "checks",
        "decisions",
        "receipts",
    ):
        table.add_column(column)
    for v in versions:
        checks = ", ".join(f"{c.name} {'ok' if c.passed else 'FAIL'}" for c in v.checks)
        decisions = "; ".join(
            f"{d.decision.decision} by {d.actor}"
            + (f" ({d.decision.edit_distance:.0%} rewritten)" if d.decision.edit_distance else "")
            + (f": {d.decision.reason}" if d.decision.reason else "")
            for d in v.decisions
        )
        author = (
            v.author if v.rolled_back_to is None else f"{v.author} (copy of v{v.rolled_back_to})"
        )
        table.add_row(
            str(v.version), v.status, f"{author}\n{_when(v.created_at)}",
            ", ".join(v.model_ids), ", ".join(v.memory_item_ids), checks, decisions,
            ", ".join(r.url or r.remote_id for r in v.receipts if r.ok),
        )  # fmt: skip
    return table


def kpis_table(kpis: Kpis, title: str = "KPIs") -> Table:
    """The KPIs as two columns; None shows as an em dash (nothing to compute it from)."""
    table = Table(title=title)
    table.add_column("KPI")
    table.add_column("value", justify="right")
    for name, value in kpis.model_dump().items():
        shown = (
            "—" if value is None else f"{value:,.2f}" if isinstance(value, float) else str(value)
        )
        table.add_row(name.replace("_", " "), shown)
    return table
