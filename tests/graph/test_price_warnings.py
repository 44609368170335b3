"""A model with no price is flagged once per campaign, in the trace the chat and CLI render."""

from __future__ import annotations

from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver
from rich.console import Console

from agents.providers.model import ChatModel, Price
from agents.providers.resilience import RetryPolicy
from agents.providers.scripted import ScriptedModel
from agents.registry import build_specialists
from graph.cli.display import LiveProgress
from graph.service.campaigns import CampaignService
from graph.workspace.render import step_for_event
from tests.graph.conftest import SMALL_BRIEF
from tools.connectors.outbox.v1 import OutboxConnector
from tools.event_log import InMemoryEventLog
from tools.settings import Settings

ANSWER = "TITLE: Spring\nBODY:\nLoomwell spring linen is here: light, soft and made to last."
WARNING = "price unknown: budget not enforced for openai:self-hosted"


def _service(tmp_path: Path, price: Price) -> CampaignService:
    settings = Settings(
        data_dir=tmp_path / "data", model_writer="openai:self-hosted",
        model_router="openai:self-hosted", model_critic="openai:self-hosted", max_revisions=0,
    )  # fmt: skip
    model = ChatModel("openai:self-hosted", ScriptedModel(lambda messages: ANSWER), price)
    specialists = build_specialists(
        settings, lambda model_id: model, policy=RetryPolicy(max_retries=0)
    )
    return CampaignService.open(
        settings,
        specialists=specialists,
        checkpointer=InMemorySaver(),
        connector=OutboxConnector(tmp_path / "outbox"),
        event_log=InMemoryEventLog(),
        memory=None,
        triage=None,
    )


async def test_unpriced_model_is_flagged_once_per_campaign(tmp_path: Path) -> None:
    service = _service(tmp_path, Price(known=False))
    seen = []
    await service.start("t1", SMALL_BRIEF, "alice")
    await service.resume("t1", {"action": "approve"}, on_event=seen.append)
    calls = [e for e in service.trace("t1") if e.kind == "model_call"]
    assert len(calls) == 3 and all(e.price_unknown and e.cost_usd == 0 for e in calls)
    warnings = [e for e in service.trace("t1") if e.kind == "budget"]
    assert [w.summary for w in warnings] == [WARNING]
    assert [e.summary for e in seen if e.kind == "budget"] == [WARNING]  # streamed live too
    assert service.view("t1").phase == "reviewing"  # a warning, not a stop
    await service.start("t2", SMALL_BRIEF, "alice")
    await service.resume("t2", {"action": "approve"})
    assert [e.summary for e in service.trace("t2") if e.kind == "budget"] == [WARNING]


async def test_priced_models_raise_no_warning(tmp_path: Path) -> None:
    service = _service(tmp_path, Price(0.1, 0.4))
    await service.start("t1", SMALL_BRIEF, "alice")
    await service.resume("t1", {"action": "approve"})
    assert not [e for e in service.trace("t1") if e.kind == "budget"]


async def test_the_warning_reads_the_same_in_the_chat_and_the_cli(tmp_path: Path) -> None:
    service = _service(tmp_path, Price(known=False))
    await service.start("t1", SMALL_BRIEF, "alice")
    await service.resume("t1", {"action": "approve"})
    (warning,) = [e for e in service.trace("t1") if e.kind == "budget"]
    assert step_for_event(warning).name == f"⚠ {WARNING}"
    console = Console(record=True, width=120)
    LiveProgress(console).on_event(warning)
    assert WARNING in console.export_text()
