"""Exit codes from how a run ended and from the error a command was refused with (pure)."""

from __future__ import annotations

import json

import pytest

from graph.cli.exit_codes import ExitCode, error_code, outcome_code, outcome_json
from graph.gates import GatePayload
from graph.service.views import AssetView, CampaignView, RunOutcome
from tools.errors import (
    BrandloomError,
    BriefInvalid,
    BudgetExceeded,
    CampaignBusy,
    ConfigError,
    NotFoundError,
    PermissionDenied,
    ProviderError,
    StoreError,
    StoreUnavailable,
)


def asset(status: str, failed: bool = False) -> AssetView:
    return AssetView(asset_id=f"a-{status}", asset_kind="social_post", channel="social",
                     version=1, text="", status=status, failed=failed)  # fmt: skip


def ended(status: str, phase: str, *assets: AssetView) -> tuple[RunOutcome, CampaignView]:
    gate = GatePayload(gate="review", thread_id="t", message="m") if status == "gate" else None
    outcome = RunOutcome(thread_id="t", status=status, phase=phase, gate=gate)  # type: ignore[arg-type]
    view = CampaignView(thread_id="t", owner="o", title="x", phase=phase, status=status,  # type: ignore[arg-type]
                        assets=list(assets), gate=gate)  # fmt: skip
    return outcome, view


@pytest.mark.parametrize(
    ("ending", "code"),
    [
        (ended("done", "published", asset("published")), ExitCode.DONE),
        (ended("done", "cancelled", asset("pending")), ExitCode.DONE),
        (ended("done", "failed"), ExitCode.FAILED),
        (ended("gate", "budget_exceeded", asset("review", failed=True)), ExitCode.BUDGET),
        (
            ended("gate", "reviewing", asset("review", True), asset("review", True)),
            ExitCode.PROVIDER,
        ),
        (ended("gate", "reviewing", asset("review", True), asset("review")), ExitCode.WAITING),
        (ended("paused", "drafting", asset("review", failed=True)), ExitCode.WAITING),
        (ended("gate", "awaiting_publish", asset("approved")), ExitCode.WAITING),
    ],
)
def test_a_run_exits_with_what_happened(ending, code: ExitCode) -> None:
    outcome, view = ending
    assert outcome_code(outcome, view) == code
    report = json.loads(outcome_json(outcome, view, code))
    assert report["exit_code"] == int(code) and report["exit_reason"] == code.name.lower()


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (BriefInvalid([(2, "bad count")]), 2),
        (NotFoundError("no campaign x"), 2),
        (PermissionDenied("a viewer cannot publish"), 6),
        (CampaignBusy("t", 12.0), 8),
        (StoreUnavailable("Redis", "/x.sock", "start it"), 7),
        (StoreError("unreadable"), 7),
        (ProviderError("down", status=503), 5),
        (BudgetExceeded("over"), 4),
        (ConfigError("no key"), 9),
        (BrandloomError("anything else"), 1),
    ],
)
def test_a_refused_command_exits_with_its_errors_code(error: BrandloomError, code: int) -> None:
    assert error_code(error) == code
