"""The graph with the real triage classifiers and the real brand memory (embedded index, Redis
hot tier): intake fills the tone, the verifier tags and tone-checks every draft, review edits
become reviewer preferences that the next campaign's writer is given."""

from __future__ import annotations

from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from agents.classifiers import load_triage
from graph.service.campaigns import CampaignService
from tests.graph.conftest import ALL_KINDS, TinySpecialist, fitting_text
from tools.connectors.outbox.v1 import OutboxConnector
from tools.event_log import InMemoryEventLog
from tools.memory import open_memory
from tools.settings import Settings

NO_TONE = "Brand: Fernhill\nGoal: Hurry, the winter sale ends tonight at midnight!\n\n1 social post"


@pytest.fixture(scope="module")
def triage():
    return load_triage(Settings())


def _service(settings: Settings, tmp_path: Path, specialist: TinySpecialist, triage, memory=None):
    return CampaignService.open(
        settings,
        specialists=dict.fromkeys(ALL_KINDS, specialist),
        checkpointer=InMemorySaver(),
        connector=OutboxConnector(tmp_path / "outbox"),
        event_log=InMemoryEventLog(),
        triage=triage,
        memory=memory,
    )


async def test_triage_fills_the_tone_tags_assets_and_checks_tone(
    settings, tmp_path, triage
) -> None:
    specialist = TinySpecialist(
        lambda r: "Sale ends tonight! Hurry, last chance to save 40% " + fitting_text(r)
    )
    service = _service(settings, tmp_path, specialist, triage)
    await service.start("t1", NO_TONE, "alice")
    outcome = await service.resume("t1", {"action": "approve"})
    intake = [e for e in service.trace("t1") if e.kind == "classifier" and e.node == "intake"]
    assert {e.agent for e in intake} == {"tone", "category"}
    assert all(e.confidence is not None and e.latency_ms > 0 for e in intake)
    tone_event = next(e for e in intake if e.agent == "tone")
    brief_tone = service.view("t1").plan["deliverables"][0]["constraints"]["tone"]
    assert brief_tone == tone_event.label  # None (unknown) leaves the tone unset
    (asset,) = outcome.gate.assets
    assert set(asset.tags) >= {"tone", "category", "tone_confidence"}
    if brief_tone is not None:
        assert "tone" in asset.checks
    verify_events = [
        e for e in service.trace("t1") if e.kind == "classifier" and e.node == "verify"
    ]
    assert {e.asset_id for e in verify_events} == {asset.asset_id}
    assert service.view("t1").totals["large_calls_avoided"] >= 4


async def test_review_edits_reach_the_next_campaigns_writer(settings, tmp_path, triage) -> None:
    memory = open_memory(settings)
    specialist = TinySpecialist()
    service = _service(settings, tmp_path, specialist, triage, memory)
    brief = "Brand: Fernhill\nGoal: spring launch\nTone: friendly\n\n1 social post"
    await service.start("c1", brief, "alice")
    outcome = await service.resume("c1", {"action": "approve"})
    edited = "Fernhill spring is here: say hello to soft linen in sage and sand."
    await service.resume("c1", {"decisions": {"social_post": {"action": "edit", "text": edited}}})
    learned = [e for e in service.trace("c1") if e.kind == "memory" and e.node == "review_gate"]
    assert len(learned) == 1 and learned[0].memory_item_ids
    preference_id = learned[0].memory_item_ids[0]

    await service.start("c2", brief, "alice")
    await service.resume("c2", {"action": "approve"})
    request = specialist.calls_for("social_post")[-1]
    assert request.thread_id == "c2"
    assert preference_id in [m.item_id for m in request.memory]
    assert any(edited in m.text for m in request.memory if m.item_id == preference_id)
    recalled = [
        e for e in service.trace("c2") if e.kind == "memory" and e.asset_id == "social_post"
    ]
    assert preference_id in recalled[0].memory_item_ids
    assert outcome.gate is not None
