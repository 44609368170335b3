"""Graph overhead per step and per campaign with a zero-latency scripted specialist.

One run compares, side by side, on the spring-launch brief (12 deliverables):

- ``direct``: the same work without LangGraph (specialist call + deterministic checks per
  asset, in a plain loop) - the floor;
- ``graph + InMemorySaver, in-memory content store``: the campaign graph through
  ``CampaignService`` (plan gate, fan-out, verifier, review gate, publish gate, publisher into a
  temp outbox), recording into ``InMemoryContentStore``: the engine alone;
- ``graph + InMemorySaver``: the same recording into the default content store (SQLite under
  the data dir): the difference is the store of record's cost;
- ``graph + RedisSaver``: the same on Brandloom's Redis saver (embedded Redis on a unix socket,
  ``durability="sync"``, with the thread lease and the Redis content event log);
- ``graph + RedisSaver, keep_last=1``: the same with ``BRANDLOOM_CHECKPOINT_KEEP_LAST=1`` (each
  put prunes the thread to its newest checkpoint inside the same transaction): the price of
  pruning;
- ``graph + InMemorySaver + AutoGen specialists``: the real specialist stack (AutoGen
  ``AssistantAgent`` per call, retry layer, trace events) on the zero-latency ``scripted:echo``
  model: the cost of the agent layer on top of the graph.

Reported: wall time per campaign (median), supersteps (checkpoints written), overhead per step
over ``direct``, and mean time per node from the ``tasks`` stream.

Run: ``.venv/bin/python -m bench.graph [--campaigns 15]``; results go to bench/results/graph.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from agents.base import AssetKind, DraftRequest, DraftResult, TokenSink
from agents.registry import build_specialists
from graph.planning.brief import parse_brief
from graph.planning.plan import build_plan
from graph.service.campaigns import CampaignService
from tools.checks import run_checks, word_count
from tools.connectors.outbox.v1 import OutboxConnector
from tools.content_store import ContentStore, InMemoryContentStore
from tools.event_log import InMemoryEventLog
from tools.events import TraceEvent
from tools.redis_server import EmbeddedRedis
from tools.settings import Settings

BRIEF = (Path(__file__).resolve().parents[1] / "examples" / "spring_launch.md").read_text()
KINDS: tuple[AssetKind, ...] = (
    "newsletter", "social_post", "email", "blog_article", "ad_copy", "video_script",
    "visual_brief", "product_description", "seo_meta",
)  # fmt: skip
RESULTS = Path(__file__).resolve().parent / "results" / "graph.md"


class ZeroLatencySpecialist:
    """Answers instantly with a draft that passes every check (one model_call event each)."""

    name = "zero"
    asset_kinds = KINDS

    async def draft(self, request: DraftRequest, on_token: TokenSink | None = None) -> DraftResult:
        c = request.constraints
        head = f"{' '.join(c.required_terms)} {request.asset_id}".strip()
        target = max(c.min_words, min(c.max_words, 40))
        text = head + " " + " ".join(f"w{i}" for i in range(max(target - word_count(head), 0)))
        event = TraceEvent(kind="model_call", agent=self.name, model_id="scripted")
        return DraftResult(text=text + ".", title=request.asset_id, events=[event])


async def direct_campaign(specialist: ZeroLatencySpecialist) -> float:
    """The floor: the same specialist calls and checks, no graph."""
    started = time.perf_counter()
    plan = build_plan(parse_brief(BRIEF), default_budget_usd=1.0)
    for row in plan.deliverables:
        request = DraftRequest(
            thread_id="direct", asset_id=row.asset_id, version=1, asset_kind=row.asset_kind,
            channel=row.channel, campaign_goal=plan.goal, brand=plan.brand,
            constraints=row.constraints,
        )  # fmt: skip
        result = await specialist.draft(request)
        run_checks(result.text, row.constraints)
    return (time.perf_counter() - started) * 1000


async def graph_campaign(
    service: CampaignService, node_ms: dict[str, list[float]]
) -> tuple[float, int]:
    """One full campaign through the service; (wall ms, checkpoints written)."""
    thread_id = f"bench-{uuid.uuid4().hex[:10]}"

    def on_event(event: TraceEvent) -> None:
        if event.kind == "node" and event.summary != "started":
            node_ms[event.node].append(event.latency_ms)

    started = time.perf_counter()
    outcome = await service.start(thread_id, BRIEF, "bench", on_event)
    outcome = await service.resume(thread_id, {"action": "approve"}, on_event)
    assert outcome.gate is not None
    decisions = {a.asset_id: {"action": "approve"} for a in outcome.gate.assets}
    await service.resume(thread_id, {"decisions": decisions}, on_event)
    outcome = await service.resume(
        thread_id, {"action": "approve", "role": "approver"}, on_event, role="approver"
    )
    elapsed = (time.perf_counter() - started) * 1000
    assert outcome.phase == "published", outcome
    newest = service.history(thread_id, limit=1)[0]
    return elapsed, newest.step + 2  # steps count from -1 (the input): pruning changes nothing


async def measure(name: str, service: CampaignService, campaigns: int) -> dict[str, Any]:
    node_ms: dict[str, list[float]] = defaultdict(list)
    await graph_campaign(service, defaultdict(list))  # warm-up
    runs = [await graph_campaign(service, node_ms) for _ in range(campaigns)]
    return {
        "name": name,
        "wall_ms": statistics.median(ms for ms, _ in runs),
        "steps": statistics.median(steps for _, steps in runs),
        "node_ms": {node: statistics.mean(v) for node, v in node_ms.items()},
    }


def _service(
    settings: Settings,
    root: Path,
    checkpointer: Any | None,
    content_store: ContentStore | None = None,
) -> CampaignService:
    """The campaign service on ``checkpointer`` (None: the Redis saver of the settings) and
    ``content_store`` (None: the settings' store, SQLite under the data dir)."""
    specialist = ZeroLatencySpecialist()
    return CampaignService.open(
        settings,
        content_store=content_store,
        specialists=dict.fromkeys(KINDS, specialist),
        checkpointer=checkpointer,
        connector=OutboxConnector(root / "outbox"),
        event_log=InMemoryEventLog() if checkpointer is not None else None,
        memory=None,
        triage=None,
    )


def _load() -> str:
    """The machine's load average (1/5/15 min): figures from a busy machine are noisy."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def report(direct_ms: float, arms: list[dict[str, Any]], campaigns: int, load: str) -> str:
    lines = [
        "# Graph overhead (zero-latency scripted specialist)",
        "",
        f"Spring-launch brief, 12 deliverables, full campaign (plan gate -> fan-out -> verify -> "
        f"review gate -> publish gate -> publisher); median of {campaigns} campaigns per arm. "
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average (1/5/15 min) "
        f"{load} at start, {_load()} at the end.",
        "",
        "| arm | wall ms / campaign | checkpoints | overhead ms / step over direct |",
        "|---|---:|---:|---:|",
        f"| direct (no graph) | {direct_ms:.2f} | - | - |",
    ]
    for arm in arms:
        per_step = (arm["wall_ms"] - direct_ms) / arm["steps"]
        lines.append(
            f"| {arm['name']} | {arm['wall_ms']:.1f} | {arm['steps']:.0f} | {per_step:.2f} |"
        )
    nodes = sorted({n for arm in arms for n in arm["node_ms"]})
    lines += ["", "Mean time per node execution (ms, from the `tasks` stream):", ""]
    lines.append("| node | " + " | ".join(arm["name"] for arm in arms) + " |")
    lines.append("|---|" + "---:|" * len(arms))
    for node in nodes:
        cells = " | ".join(f"{arm['node_ms'].get(node, 0.0):.2f}" for arm in arms)
        lines.append(f"| {node} | {cells} |")
    return "\n".join(lines) + "\n"


async def main(campaigns: int) -> str:
    started_load = _load()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = EmbeddedRedis(root / "redis")
        url = server.start()
        try:
            settings = Settings(data_dir=root / "data", REDIS_URL=url, max_concurrency=4)
            direct = statistics.median(
                [await direct_campaign(ZeroLatencySpecialist()) for _ in range(campaigns)]
            )
            in_memory = _service(settings, root, InMemorySaver(), InMemoryContentStore())
            bare_arm = await measure(
                "graph + InMemorySaver, in-memory content store", in_memory, campaigns
            )
            memory_arm = await measure(
                "graph + InMemorySaver", _service(settings, root, InMemorySaver()), campaigns
            )
            redis_arm = await measure(
                "graph + RedisSaver (sync)", _service(settings, root, None), campaigns
            )
            pruned = settings.model_copy(update={"checkpoint_keep_last": 1})
            pruned_arm = await measure(
                "graph + RedisSaver (sync), keep_last=1", _service(pruned, root, None), campaigns
            )
            agents_arm = await measure(
                "graph + InMemorySaver + AutoGen specialists",
                _agents_service(settings, root),
                campaigns,
            )
        finally:
            server.stop()
    arms = [bare_arm, memory_arm, redis_arm, pruned_arm, agents_arm]
    return report(direct, arms, campaigns, started_load)


def _agents_service(settings: Settings, root: Path) -> CampaignService:
    """The real specialist stack (AutoGen agents, retries, trace events) on ``scripted:echo``."""
    roles = ("model_writer", "model_router", "model_critic")
    echo = settings.model_copy(update=dict.fromkeys(roles, "scripted:echo"))
    return CampaignService.open(
        echo,
        specialists=build_specialists(echo),
        checkpointer=InMemorySaver(),
        connector=OutboxConnector(root / "outbox-agents"),
        event_log=InMemoryEventLog(),
        memory=None,
        triage=None,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=15)
    text = asyncio.run(main(parser.parse_args().campaigns))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)
