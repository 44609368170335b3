"""Fixtures for graph tests: a tiny scripted specialist, an in-memory service, gate helpers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from agents.base import AssetKind, DraftRequest, DraftResult, TokenSink
from graph.service.campaigns import CampaignService
from tools.checks import word_count
from tools.connectors.outbox.v1 import OutboxConnector
from tools.event_log import InMemoryEventLog
from tools.events import TraceEvent
from tools.settings import Settings

ALL_KINDS: tuple[AssetKind, ...] = (
    "newsletter", "social_post", "email", "blog_article", "ad_copy", "video_script",
    "visual_brief", "product_description", "seo_meta",
)  # fmt: skip

Writer = Callable[[DraftRequest], str | DraftResult]


def fitting_text(request: DraftRequest) -> str:
    """A draft that passes every deterministic check for the request's constraints."""
    c = request.constraints
    target = max(c.min_words, min(c.max_words, 40))
    head = f"{' '.join(c.required_terms)} {request.asset_id} v{request.version}".strip()
    filler = [f"word{i}" for i in range(max(target - word_count(head), 0))]
    return f"{head} {' '.join(filler)}."


class TinySpecialist:
    """Implements ``agents.base.Specialist`` with a Python function; counts its calls."""

    name = "tiny"
    asset_kinds = ALL_KINDS

    def __init__(self, writer: Writer = fitting_text, cost_usd: float = 0.001) -> None:
        self.writer = writer
        self.cost_usd = cost_usd
        self.requests: list[DraftRequest] = []

    async def draft(self, request: DraftRequest, on_token: TokenSink | None = None) -> DraftResult:
        self.requests.append(request)
        answer = self.writer(request)
        if isinstance(answer, DraftResult):
            return answer
        if on_token is not None:
            on_token(answer[:10])
        event = TraceEvent(
            kind="model_call", agent=self.name, model_id="scripted", prompt_tokens=10,
            completion_tokens=len(answer.split()), cost_usd=self.cost_usd,
        )  # fmt: skip
        return DraftResult(text=answer, title=f"Title {request.asset_id}", events=[event])

    def calls_for(self, asset_id: str) -> list[DraftRequest]:
        return [r for r in self.requests if r.asset_id == asset_id]


@pytest.fixture
def make_service(tmp_path: Path) -> Callable[..., CampaignService]:
    """Builds a service on InMemorySaver with a given specialist and settings overrides."""

    def build(specialist: Any = None, **overrides: Any) -> CampaignService:
        settings = Settings(data_dir=tmp_path / "data", **overrides)
        specialist = specialist or TinySpecialist()
        return CampaignService.open(
            settings,
            specialists=dict.fromkeys(ALL_KINDS, specialist),
            checkpointer=InMemorySaver(),
            connector=OutboxConnector(tmp_path / "outbox"),
            event_log=InMemoryEventLog(),
            memory=None,
            triage=None,
        )

    return build


SMALL_BRIEF = """# Small launch
Brand: Loomwell
Goal: Launch the spring linen range.
Tone: friendly
Required terms: Loomwell
Banned terms: cheap

We need a newsletter and 2 social posts.
"""


def approve_all(gate: Any) -> dict[str, Any]:
    return {"decisions": {a.asset_id: {"action": "approve"} for a in gate.assets}, "user": "rev"}


async def to_review(
    service: CampaignService, thread_id: str = "t1", brief: str = SMALL_BRIEF
) -> Any:
    """Start a campaign, approve the plan; returns the outcome at the review gate."""
    outcome = await service.start(thread_id, brief, "alice")
    assert outcome.gate is not None and outcome.gate.gate == "plan"
    return await service.resume(thread_id, {"action": "approve", "user": "alice"})
