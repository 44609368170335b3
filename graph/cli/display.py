"""Terminal rendering for the CLI: live progress from trace events and the final tables."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from graph.gates import GatePayload
from graph.service.views import CampaignView
from tools.events import TraceEvent


class LiveProgress:
    """A live panel: the latest step per asset and running totals, fed by ``on_event``."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.assets: dict[str, str] = {}
        self.node = ""
        self.model_calls = 0
        self.cost_usd = 0.0
        self.started = time.monotonic()
        self.live: Live | None = None

    def __enter__(self) -> LiveProgress:
        self.live = Live(self.render(), console=self.console, refresh_per_second=4, transient=True)
        self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)
            self.live = None

    def on_event(self, event: TraceEvent) -> None:
        if event.kind == "budget":  # a stop or a warning ("price unknown"): printed, not live
            self.console.print(f"[yellow]⚠ {event.summary}[/yellow]")
        if event.kind == "node":
            self.node = f"{event.node} {event.summary}"
        if event.kind == "model_call":
            self.model_calls += 1
            self.cost_usd += event.cost_usd
        if event.asset_id and event.kind in ("model_call", "check", "error", "publish"):
            self.assets[event.asset_id] = f"{event.kind}: {event.summary}"[:90]
        if self.live is not None:
            self.live.update(self.render())

    def render(self) -> Table:
        elapsed = time.monotonic() - self.started
        table = Table(title=f"{self.node}  |  {self.model_calls} model calls, "
                      f"${self.cost_usd:.4f}, {elapsed:.0f}s", expand=False)  # fmt: skip
        table.add_column("asset")
        table.add_column("latest step")
        for asset_id, step in list(self.assets.items())[-20:]:
            table.add_row(asset_id, step)
        return table


def plan_table(gate: GatePayload) -> Table:
    """The deliverables matrix of a plan gate."""
    plan = gate.plan or {}
    table = Table(
        title=f"Plan: {plan.get('goal', '')[:80]}  (budget ${plan.get('budget_usd', 0):.2f})"
    )
    for column in ("asset", "kind", "channel", "variant", "words", "tone"):
        table.add_column(column)
    for row in plan.get("deliverables", []):
        c = row["constraints"]
        table.add_row(
            row["asset_id"], row["asset_kind"], row["channel"], str(row["variant"]),
            f"{c['min_words']}-{c['max_words']}", str(c.get("tone") or "-"),
        )  # fmt: skip
    return table


def checks_text(checks: dict[str, dict[str, Any]], *, reasons: bool = False) -> Text:
    """``5/6 (length)``: passed checks and the names of failed ones; with ``reasons``, one
    line per failed check saying why (what a reviewer reads before deciding)."""
    if not checks:
        return Text("-")
    failed = [name for name, result in checks.items() if not result.get("passed")]
    text = f"{len(checks) - len(failed)}/{len(checks)}"
    if reasons:
        text += "".join(
            f"\n  ✗ {name}: {checks[name].get('detail') or 'failed'}" for name in failed
        )
    elif failed:
        text += f" ({', '.join(failed)})"
    return Text(text, style="red" if failed else "green")


def summary_table(view: CampaignView, elapsed_s: float) -> Table:
    """The final table: assets, checks, cost and time."""
    totals = view.totals
    calls = int(totals.get("model_calls", 0))
    estimated = int(totals.get("estimated_calls", 0))
    table = Table(
        title=f"{view.title} [{view.thread_id}] - {view.phase}",
        caption=(
            f"cost ${totals.get('cost_usd', 0):.4f} | {calls} model calls | "
            f"{int(totals.get('prompt_tokens', 0) + totals.get('completion_tokens', 0))} tokens"
            f"{f' ({estimated} calls estimated)' if estimated else ''} | "
            f"{int(totals.get('large_calls_avoided', 0))} large-model calls avoided by triage | "
            f"{elapsed_s:.1f}s"
        ),
    )
    for column in ("asset", "kind", "status", "v", "checks", "tone", "cost $", "note"):
        table.add_column(column)
    for asset in view.assets:
        note = asset.error or ("flagged" if asset.flagged else "")
        table.add_row(
            asset.asset_id, asset.asset_kind, asset.status, str(asset.version),
            checks_text(asset.checks), asset.tags.get("tone", "-"),
            f"{asset.usage.get('cost_usd', 0):.4f}", note[:40],
        )  # fmt: skip
    return table
