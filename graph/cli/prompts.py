"""Answering gates on the terminal: approve / edit (in ``$EDITOR``) / reject / respond."""

from __future__ import annotations

import json

import click
import typer
from rich.console import Console
from rich.panel import Panel

from graph.cli.display import checks_text, plan_table
from graph.gates import (
    AssetDecision,
    AssetForReview,
    Decision,
    GatePayload,
    PlanDecision,
    PublishDecision,
    ReviewDecision,
    decided,
)
from tools.errors import InputError
from tools.roles import Role

_CHOICES = {"a": "approve", "e": "edit", "r": "reject", "s": "respond"}


def auto_decision(gate: GatePayload, user: str, role: Role, retried: set[str]) -> Decision | None:
    """``--auto-approve``: approve everything, as ``role`` (the service refuses a publish
    approval from anyone but an approver, so auto-approve never escalates a role).

    An asset whose generation failed has no text to approve: it is sent back once per
    process (``retried`` remembers ``asset@version``). An asset with text that is flagged
    failed was refused by a connector at publish: approving it again would publish the same
    refused version forever, so it is left in review for a person. None when nothing is left
    to decide.
    """
    if gate.gate == "publish":
        return PublishDecision(action="approve", role=role, user=user)
    if gate.gate != "review":
        return PlanDecision(action="approve", user=user)
    decisions: dict[str, AssetDecision] = {}
    for asset in gate.assets:
        key = f"{asset.asset_id}@{asset.version}"
        if asset.text.strip() and asset.failed:
            continue  # refused at publish (asset.error says why): a person decides
        if asset.text.strip():
            decisions[asset.asset_id] = AssetDecision(action="approve")
        elif key not in retried:
            retried.add(key)
            reason = f"generation failed ({asset.error or 'no text'}): try again"
            decisions[asset.asset_id] = AssetDecision(action="reject", reason=reason)
    return ReviewDecision(decisions=decisions, user=user) if decisions else None


def _choose(prompt: str, allowed: str = "aers") -> str:
    while True:
        answer = typer.prompt(prompt, default="a").strip().lower()[:1]
        if answer in allowed:
            return answer


def ask_plan(console: Console, gate: GatePayload, user: str) -> PlanDecision:
    console.print(plan_table(gate))
    action = _CHOICES[_choose("[a]pprove, [e]dit, [r]eject or re[s]pond")]
    if action == "edit":
        rows = json.dumps((gate.plan or {}).get("deliverables", []), indent=2)
        edited = click.edit(rows, extension=".json")
        if edited is None:
            return PlanDecision(action="approve", user=user)
        return decided(PlanDecision, action="edit", deliverables=_json(edited), user=user)
    if action == "reject":
        return decided(PlanDecision, action="reject", reason=typer.prompt("reason"), user=user)
    if action == "respond":
        note = typer.prompt("note to the planner")
        return decided(PlanDecision, action="respond", note=note, user=user)
    return PlanDecision(action="approve", user=user)


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"the edited plan is not valid JSON ({error})") from None


def _ask_asset(console: Console, asset: AssetForReview) -> AssetDecision | None:
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
        return AssetDecision(action="edit", text=edited) if edited and edited.strip() else None
    if action == "reject":
        return decided(AssetDecision, action="reject", reason=typer.prompt("reason"))
    if action == "respond":
        return decided(AssetDecision, action="respond", note=typer.prompt("note to the writer"))
    return AssetDecision(action="approve")


def ask_review(console: Console, gate: GatePayload, user: str) -> ReviewDecision | None:
    decisions: dict[str, AssetDecision] = {}
    for asset in gate.assets:
        decision = _ask_asset(console, asset)
        if decision is not None:
            decisions[asset.asset_id] = decision
    return ReviewDecision(decisions=decisions, user=user) if decisions else None


def ask_publish(console: Console, gate: GatePayload, user: str, role: Role) -> PublishDecision:
    console.print(f"[bold]{gate.message}[/bold]: " + ", ".join(a.asset_id for a in gate.assets))
    if _choose("[a]pprove or [r]eject", "ar") == "r":
        reason = typer.prompt("reason")
        return decided(PublishDecision, action="reject", role=role, reason=reason, user=user)
    return PublishDecision(action="approve", role=role, user=user)


def ask(console: Console, gate: GatePayload, user: str, role: Role) -> Decision | None:
    """Ask the operator for a decision at ``gate`` (None: decide later)."""
    console.print(f"\n[bold cyan]{gate.message}[/bold cyan]")
    if gate.gate == "plan":
        return ask_plan(console, gate, user)
    if gate.gate == "review":
        return ask_review(console, gate, user)
    return ask_publish(console, gate, user, role)
