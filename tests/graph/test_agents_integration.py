"""The graph over the real AgentSpecialists (AutoGen) with scripted models: provider failure
-> retry -> fallback model -> and, when every model fails, human review."""

from __future__ import annotations

from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver

from agents.providers.resilience import RetryPolicy
from agents.providers.scripted import ScriptedModel, scripted_resolver
from agents.registry import build_compliance, build_specialists
from graph.service.campaigns import CampaignService
from tools.connectors.outbox.v1 import OutboxConnector
from tools.errors import ProviderError
from tools.event_log import InMemoryEventLog
from tools.settings import Settings

BRIEF = "Brand: Loomwell\nGoal: spring launch\nTone: friendly\n\n1 social post"
ANSWER = (
    "TITLE: Spring\nBODY:\nLoomwell spring linen is here: light, soft and ready for sunny days."
)


async def _no_sleep(_: float) -> None:
    return None


def _service(tmp_path: Path, models: dict[str, ScriptedModel]) -> CampaignService:
    settings = Settings(
        data_dir=tmp_path / "data",
        model_writer="scripted:primary",
        model_router="scripted:primary",
        model_critic="scripted:primary",
        model_fallbacks="scripted:backup",
    )
    policy = RetryPolicy(max_retries=1, base_delay_s=0.0, sleep=_no_sleep)
    specialists = build_specialists(settings, scripted_resolver(models), policy=policy)
    return CampaignService.open(
        settings,
        specialists=specialists,
        checkpointer=InMemorySaver(),
        connector=OutboxConnector(tmp_path / "outbox"),
        event_log=InMemoryEventLog(),
        memory=None,
        triage=None,
    )


def _unavailable() -> ProviderError:
    return ProviderError("503 from provider", provider="scripted", status=503, transient=True)


async def test_transient_failures_fall_back_to_the_next_model(tmp_path: Path) -> None:
    primary = ScriptedModel([_unavailable(), _unavailable()])
    backup = ScriptedModel([ANSWER])
    service = _service(tmp_path, {"scripted:primary": primary, "scripted:backup": backup})
    await service.start("t1", BRIEF, "alice")
    outcome = await service.resume("t1", {"action": "approve"})
    (asset,) = outcome.gate.assets
    assert not asset.failed and "Loomwell spring linen" in asset.text
    calls = [e for e in service.trace("t1") if e.kind == "model_call"]
    assert {e.model_id for e in calls} >= {"scripted:primary", "scripted:backup"}
    assert all(e.node == "draft" and e.asset_id == asset.asset_id for e in calls)
    assert primary.remaining == 0 and backup.remaining == 0


async def test_when_every_model_fails_the_asset_goes_to_human_review(tmp_path: Path) -> None:
    primary = ScriptedModel([_unavailable(), _unavailable()])
    backup = ScriptedModel([_unavailable(), _unavailable()])
    service = _service(tmp_path, {"scripted:primary": primary, "scripted:backup": backup})
    await service.start("t1", BRIEF, "alice")
    outcome = await service.resume("t1", {"action": "approve"})
    (asset,) = outcome.gate.assets
    assert asset.failed and asset.error and asset.text == ""
    assert service.view("t1").phase == "reviewing"
    assert any(e.kind == "error" and e.asset_id == asset.asset_id for e in service.trace("t1"))


async def test_compliance_critic_failure_sends_the_draft_back(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", model_writer="scripted:writer", model_router="scripted:writer",
        model_critic="scripted:critic", campaign_compliance=True,
    )  # fmt: skip
    second = ANSWER.replace("is here", "has arrived")
    models = {
        "scripted:writer": ScriptedModel([ANSWER, second]),
        "scripted:critic": ScriptedModel(
            [
                "FINDINGS:\n- 'ready for sunny days' promises the weather\nVERDICT: fail",
                "FINDINGS:\n- none\nVERDICT: pass",
            ]
        ),
    }
    policy = RetryPolicy(max_retries=0, sleep=_no_sleep)
    resolver = scripted_resolver(models)
    service = CampaignService.open(
        settings,
        specialists=build_specialists(settings, resolver, policy=policy),
        compliance=build_compliance(settings, resolver, policy=policy),
        checkpointer=InMemorySaver(),
        connector=OutboxConnector(tmp_path / "outbox"),
        event_log=InMemoryEventLog(),
        memory=None,
        triage=None,
    )
    await service.start("t1", BRIEF, "alice")
    outcome = await service.resume("t1", {"action": "approve"})
    (asset,) = outcome.gate.assets
    assert asset.version == 2 and "has arrived" in asset.text
    assert asset.checks["compliance"]["passed"] and not asset.flagged
    prompts = [m[-1].content for m in models["scripted:writer"].calls]
    assert "promises the weather" in prompts[1]
    critic_calls = [e for e in service.trace("t1") if e.model_id == "scripted:critic"]
    assert len(critic_calls) == 2 and all(e.node == "verify" for e in critic_calls)
    assert service.view("t1").totals["model_calls"] == 4
