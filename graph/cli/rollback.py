"""``brandloom assets rollback THREAD ASSET_ID --to-version N``: restore an earlier version.

Adds the command to the ``assets`` sub-app of ``graph.cli.store`` (``graph.cli.plugins`` mounts
this module's ``app``). The rollback goes through the campaign service, like a chat's
``rollback`` command: a new version equal to version N waits at the review gate; a published
asset then needs an approver at the publish gate again (``brandloom resume THREAD``). Bad input
(unknown campaign or asset, a version out of range, the current version) prints one line,
exits 2 and changes nothing; a role that may not edit exits 6.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from graph.cli.exit_codes import ExitCode
from graph.cli.store import app, checked_asset_id, console
from graph.service.campaigns import CampaignService, checked_thread_id, require_role
from graph.service.views import RunOutcome
from tools.settings import get_settings

__all__ = ["app"]


@app.command("rollback")
def rollback(
    thread_id: Annotated[str, typer.Argument(help="The campaign.")],
    asset_id: Annotated[str, typer.Argument(help="The asset (see `brandloom assets list`).")],
    to_version: Annotated[int, typer.Option("--to-version", help="The version to restore.")],
    user: Annotated[str, typer.Option("--user", help="Who rolls back.")] = "cli",
    role: Annotated[str, typer.Option("--role", help="viewer, editor or approver.")] = "editor",
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the record).")] = "",
) -> None:
    """Make a new version equal to an earlier one; it goes back through review (and publish)."""
    checked = require_role(role, "edit")
    campaign, asset = checked_thread_id(thread_id), checked_asset_id(asset_id)
    service = CampaignService.open(get_settings(), memory=None, triage=None, compliance=None)

    async def roll_back() -> RunOutcome:
        try:
            return await service.rollback(
                campaign, asset, to_version, user, reason=reason, role=checked
            )
        finally:
            await service.aclose()

    raise typer.Exit(_report(asyncio.run(roll_back()), asset, to_version))


def _report(outcome: RunOutcome, asset_id: str, to_version: int) -> int:
    console.print(f"{asset_id}: a new version equal to v{to_version} waits at review")
    if outcome.status == "gate" and outcome.gate is not None:
        console.print(
            f"waiting at the {outcome.gate.gate} gate: `brandloom resume {outcome.thread_id}`"
        )
        return int(ExitCode.WAITING)
    if outcome.status == "paused":
        console.print(f"paused: continue with `brandloom resume {outcome.thread_id}`")
        return int(ExitCode.WAITING)
    return int(ExitCode.DONE)
