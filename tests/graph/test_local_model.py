"""End to end with the real local model (SmolLM2-135M through the AutoGen specialists), the
real graph, the Redis saver and the outbox: a small campaign from brief to published file."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.service.campaigns import CampaignService
from tools.settings import Settings

pytestmark = pytest.mark.local_model

BRIEF = "Brand: Loomwell\nGoal: launch the spring linen collection\nTone: friendly\n\n1 social post"


async def test_local_model_campaign_publishes(settings: Settings, tmp_path: Path) -> None:
    local = settings.model_copy(update={"max_revisions": 1, "model_max_tokens": 96})
    service = CampaignService.open(local)
    tokens: list[str] = []
    outcome = await service.start("local-1", BRIEF, "alice")
    outcome = await service.resume(
        "local-1", {"action": "approve"}, on_token=lambda asset_id, chunk: tokens.append(chunk)
    )
    assert outcome.gate is not None and outcome.gate.gate == "review"
    (asset,) = outcome.gate.assets
    assert asset.text.strip() and not asset.failed
    await service.resume("local-1", {"decisions": {asset.asset_id: {"action": "approve"}}})
    outcome = await service.resume(
        "local-1", {"action": "approve", "role": "approver"}, role="approver"
    )
    assert outcome.phase == "published"
    published = Path(service.view("local-1").assets[0].receipt["location"])
    assert published.read_text().strip()
    calls = [e for e in service.trace("local-1") if e.kind == "model_call"]
    assert calls and all(e.model_id == "local:smollm2-135m" for e in calls)
    assert all(e.completion_tokens > 0 and e.latency_ms > 0 for e in calls)
    assert "".join(tokens).strip()
