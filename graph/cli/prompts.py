"""Answering gates on the terminal: approve / edit (in ``$EDITOR``) / reject / respond."""

from __future__ import annotations

import json
from typing import Any

import click
import typer
from rich.console import Console
from rich.panel import Panel

from graph.cli.display import checks_text, plan_table
from graph.gates import AssetForReview, GatePayload
from graph.workspace.users import Role

_CHOICES = {"a": "approve", "e": "edit", "r": "reject", "s": "respond"}


def auto_decision(
    gate: GatePayload, user: str, role: Role, retried: set[str]
) -> dict[str, Any] | None:
    """``--auto-approve``: approve everything, as ``role`` (the service refuses a publish
    approval from anyone but an approver, so auto-approve never escalates a role).

    An asset whose generation failed has no text to approve: it is sent back once per
    process (``retried`` remembers ``asset@version``); None when nothing is left to decide.
    """
    if gate.gate == "publish":
        return {"action": "approve", "role": role, "user": user}
    if gate.gate != "review":
        return {"action": "approve", "user": user}
    decisions: dict[str, Any] = {}
    for asset in gate.assets:
        key = f"{asset.asset_id}@{asset.version}"
        if asset.text.strip():
            decisions[asset.asset_id] = {"action": "approve"}
        elif key not in retried:
            retried.add(key)
            reason = f"generation failed ({asset.error or 'no text'}): try again"
            decisions[asset.asset_id] = {"action": "reject", "reason": reason}
    return {"decisions": decisions, "user": user} if decisions else None


def _choose(prompt: str, allowed: str = "aers") -> str:
    while True:
        answer = typer.prompt(prompt, default="a").strip().lower()[:1]
        if answer in allowed:
            return answer


def ask_plan(console: Console, gate: GatePayload, user: str) -> dict[str, Any]:
    console.print(plan_table(gate))
    action = _CHOICES[_choose("[a]pprove, [e]dit, [r]eject or re[s]pond")]
    if action == "edit":
        rows = json.dumps((gate.plan or {}).get("deliverables", []), indent=2)
        edited = click.edit(rows, extension=".json")
        if edited is None:
            return {"action": "approve", "user": user}
        return {"action": "edit", "deliverables": json.loads(edited), "user": user}
    if action == "reject":
        return {"action": "reject", "reason": typer.prompt("reason"), "user": user}
    if action == "respond":
        return {"action": "respond", "note": typer.prompt("note to the planner"), "user": user}
    return {"action": "approve", "user": user}


def _ask_asset(console: Console, asset: AssetForReview) -> dict[str, Any] | None:
    header = f"{asset.asset_id} ({asset.asset_kind}, v{asset.version})"
    status = "FAILED: " + asset.error if asset.failed else ("flagged" if asset.flagged else "ok")
    console.print(Panel(asset.text or "(no text)", title=header, subtitle=status))
    console.print("checks:", checks_text(asset.checks, reasons=True))
    choice = _choose("[a]pprove, [e]dit, [r]eject, re[s]pond or [k]eep for later", "aersk")
    if choice == "k":
        return None
    action = _CHOICES[choice]
    if action == "edit":
        edited = click.edit(asset.text, extension=".md")
        return {"action": "edit", "text": edited} if edited and edited.strip() else None
    if action == "reject":
        return {"action": "reject", "reason": typer.prompt("reason")}
    if action == "respond":
        return {"action": "respond", "note": typer.prompt("note to the writer")}
    return {"action": "approve"}


def ask_review(console: Console, gate: GatePayload, user: str) -> dict[str, Any] | None:
    decisions: dict[str, Any] = {}
    for asset in gate.assets:
        decision = _ask_asset(console, asset)
        if decision is not None:
            decisions[asset.asset_id] = decision
    return {"decisions": decisions, "user": user} if decisions else None


def ask_publish(console: Console, gate: GatePayload, user: str, role: str) -> dict[str, Any]:
    console.print(f"[bold]{gate.message}[/bold]: " + ", ".join(a.asset_id for a in gate.assets))
    if _choose("[a]pprove or [r]eject", "ar") == "r":
        return {"action": "reject", "role": role, "reason": typer.prompt("reason"), "user": user}
    return {"action": "approve", "role": role, "user": user}


def ask(console: Console, gate: GatePayload, user: str, role: str) -> dict[str, Any] | None:
    """Ask the operator for a decision at ``gate`` (None: decide later)."""
    console.print(f"\n[bold cyan]{gate.message}[/bold cyan]")
    if gate.gate == "plan":
        return ask_plan(console, gate, user)
    if gate.gate == "review":
        return ask_review(console, gate, user)
    return ask_publish(console, gate, user, role)
