"""Exit codes of ``brandloom``: every code tells a script what happened (README "Exit codes").

A run's code comes from how it ended (``outcome_code``); a refused command's from the error
class (``error_code``). ``--json`` prints the same code in its ``exit_code`` field.
"""

from __future__ import annotations

import json
from enum import IntEnum
from typing import Any

from graph.service.views import CampaignView, RunOutcome
from tools.errors import BrandloomError


class ExitCode(IntEnum):
    """What ``brandloom`` exits with; the README's table lists the same codes."""

    DONE = 0
    """Finished: what was approved is published (or a person rejected the plan/publication)."""
    FAILED = 1
    """The campaign failed, or an unexpected error (a bug: ``--debug`` shows the traceback)."""
    BAD_INPUT = 2
    """Bad input (brief, budget, count, file, id, role, option): nothing was saved."""
    WAITING = 3
    """Paused at a gate or stopped between steps: ``brandloom resume`` continues it."""
    BUDGET = 4
    """The campaign budget is exhausted: the rest was not written."""
    PROVIDER = 5
    """Nothing was published because the model provider failed every call."""
    DENIED = 6
    """The role does not allow it (a viewer running, an editor publishing)."""
    UNAVAILABLE = 7
    """A store (Redis, the content store) is unreachable or failed: nothing saved was lost;
    ``brandloom resume`` continues once it is back."""
    BUSY = 8
    """Another run holds the campaign (its lease); the message says when it expires."""
    CONFIG = 9
    """A configuration mistake (a setting, a missing model or package)."""
    ABORTED = 130
    """Aborted with Ctrl-C at a prompt."""


def error_code(error: BrandloomError) -> ExitCode:
    """The exit code of a command refused with ``error`` (its class declares it)."""
    try:
        return ExitCode(error.exit_code)
    except ValueError:
        return ExitCode.FAILED


def outcome_code(outcome: RunOutcome, view: CampaignView) -> ExitCode:
    """The exit code of a run that ended with ``outcome`` (``view``: the campaign after it)."""
    if outcome.phase == "budget_exceeded":
        return ExitCode.BUDGET
    if outcome.phase == "failed":
        return ExitCode.FAILED
    if outcome.status == "paused":  # stopped by a person (Ctrl-C, ``brandloom stop``)
        return ExitCode.WAITING
    published = sum(1 for asset in view.assets if asset.status == "published")
    if view.assets and not published and all(asset.failed for asset in view.assets):
        return ExitCode.PROVIDER
    if outcome.status == "gate":
        return ExitCode.WAITING
    return ExitCode.DONE


def outcome_json(outcome: RunOutcome, view: CampaignView, code: ExitCode) -> str:
    """The ``--json`` report of a run: status, phase, counts and the exit code."""
    report: dict[str, Any] = {
        "thread_id": outcome.thread_id,
        "status": outcome.status,
        "phase": outcome.phase,
        "gate": outcome.gate.gate if outcome.gate else None,
        "stop_reason": outcome.stop_reason,
        "assets": len(view.assets),
        "published": sum(1 for asset in view.assets if asset.status == "published"),
        "failed": sum(1 for asset in view.assets if asset.failed),
        "cost_usd": view.totals.get("cost_usd", 0.0),
        "exit_code": int(code),
        "exit_reason": code.name.lower(),
    }
    return json.dumps(report)


def error_json(message: str, code: ExitCode) -> str:
    """The ``--json`` report of a refused command."""
    return json.dumps({"error": message, "exit_code": int(code), "exit_reason": code.name.lower()})
