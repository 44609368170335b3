"""Learning from review, end to end through ``CampaignService``: a reviewer's edit in one campaign
changes the prompt the writer model is given in the next.

Real parts: the AutoGen-backed specialists from ``agents.registry`` (with scripted models that
record every prompt), the real brand memory (embedded index, MiniLM, embedded Redis hot tier).
"""

from __future__ import annotations

from langgraph.checkpoint.memory import InMemorySaver

from agents.providers.model import message_text
from agents.providers.scripted import ScriptedModel, scripted_resolver
from agents.registry import build_specialists
from graph.service.campaigns import CampaignService
from tools.connectors.outbox.v1 import OutboxConnector
from tools.event_log import InMemoryEventLog
from tools.memory import open_memory

BRIEF = "Brand: Loomwell\nGoal: spring launch of the linen range\nTone: friendly\n\n1 social post"
ANSWER = "TITLE: Spring\nBODY:\nBuy now!!! Loomwell linen is here, get yours today, huge deals!!!"
EDITED = "Loomwell spring linen is here: soft, light and made to be lived in."
REASON = "too pushy: we never shout or use exclamation marks"


def _prompts(model: ScriptedModel) -> list[str]:
    return ["\n".join(message_text(m) for m in call) for call in model.calls]


async def test_an_edit_at_review_reaches_the_writer_of_the_next_campaign(
    settings, tmp_path
) -> None:
    settings = settings.model_copy(
        update={
            "model_writer": "scripted:writer",
            "model_router": "scripted:writer",
            "model_critic": "scripted:writer",
            "model_fallbacks": "",
        }
    )
    writer = ScriptedModel(lambda messages: ANSWER)
    memory = open_memory(settings)
    memory.add_texts(
        "Loomwell", ["Loomwell sells linen bedding and clothing."], kind="fact", source="about.md"
    )
    service = CampaignService.open(
        settings,
        specialists=build_specialists(settings, scripted_resolver({"scripted:writer": writer})),
        checkpointer=InMemorySaver(),
        connector=OutboxConnector(tmp_path / "outbox"),
        event_log=InMemoryEventLog(),
        memory=memory,
        triage=None,
    )

    await service.start("spring-1", BRIEF, "alice")
    review = await service.resume("spring-1", {"action": "approve"})
    (asset,) = review.gate.assets
    first_prompts = _prompts(writer)
    assert first_prompts and all(EDITED not in p and REASON not in p for p in first_prompts)
    decision = {"action": "edit", "text": EDITED, "reason": REASON}
    await service.resume("spring-1", {"decisions": {asset.asset_id: decision}})
    learned = [
        e for e in service.trace("spring-1") if e.kind == "memory" and e.node == "review_gate"
    ]
    (preference_id,) = learned[0].memory_item_ids
    (stored,) = memory.search(
        "Loomwell", "pushy social post", top_k=1, metadata_filter={"kind": "reviewer_preference"}
    )
    assert stored.item_id == preference_id and stored.metadata["asset_kind"] == "social_post"
    assert stored.metadata["after"] == EDITED and stored.metadata["reason"] == REASON

    calls_before = len(writer.calls)
    await service.start("spring-2", BRIEF, "alice")
    await service.resume("spring-2", {"action": "approve"})
    second_prompts = _prompts(writer)[calls_before:]
    drafting = [p for p in second_prompts if "brand_memory" in p]
    assert drafting, "the second campaign's writer got no brand memory"
    assert any(EDITED in p and REASON in p for p in drafting)
    recalled = [
        e for e in service.trace("spring-2") if e.kind == "memory" and e.node == "supervisor"
    ]
    assert preference_id in recalled[0].memory_item_ids
    memory.close()
