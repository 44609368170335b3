"""Generation throughput of the agent stack vs llama-cpp-python called directly.

Agent stack: ``Specialist.draft`` -> AutoGen ``AssistantAgent`` (streaming) -> ``ResilientClient``
-> ``LocalLlamaClient`` -> ``llama_cpp.Llama``. Direct: ``Llama.create_chat_completion`` on the
very same messages (the specialist's system prompt and user message), same model object, same
``max_tokens``, temperature 0 (greedy, so both arms generate the same tokens). The KV cache is
reset before every call so neither arm profits from the other's prompt prefix, and the arms
alternate order per prompt to spread out noise from other processes on the machine.

Run: ``.venv/bin/python -m bench.agents [--rounds N]``; writes ``bench/results/agents.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from llama_cpp import Llama

from agents.base import AssetKind, Constraints, DraftRequest
from agents.providers.local import LocalLlamaClient, load_local_model
from agents.providers.scripted import ScriptedModel, scripted_resolver
from agents.registry import build_specialists
from agents.specialist import AgentSpecialist
from tools.settings import Settings

RESULTS = Path(__file__).with_name("results") / "agents.md"
MAX_WORDS = 40
"""Word limit of every request; the specialist turns it into max_tokens (same for both arms)."""

PROMPTS: list[tuple[AssetKind, str]] = [
    ("newsletter", "Announce the spring tea collection to newsletter subscribers."),
    ("social_post", "Tease the new matcha whisk set on Instagram."),
    ("product_description", "Describe the 100 g Kyoto sencha tin for the shop."),
    ("video_script", "A 20-second video about brewing iced tea at home."),
    ("seo_meta", "Search snippet for the spring collection landing page."),
]


@dataclass
class Run:
    arm: str
    kind: str
    completion_tokens: int
    seconds: float
    text: str

    @property
    def tokens_per_s(self) -> float:
        return self.completion_tokens / self.seconds


def request_for(kind: str, goal: str) -> DraftRequest:
    return DraftRequest.model_validate(
        {
            "thread_id": "bench",
            "asset_id": f"{kind}-01",
            "version": 1,
            "asset_kind": kind,
            "channel": "web",
            "campaign_goal": goal,
            "brand": "Acme Tea",
            "constraints": Constraints(max_words=MAX_WORDS),
        }
    )


async def agent_run(specialist: AgentSpecialist, request: DraftRequest) -> Run:
    started = time.perf_counter()
    result = await specialist.draft(request, lambda chunk: None)
    seconds = time.perf_counter() - started
    tokens = sum(event.completion_tokens for event in result.events)
    return Run("agent stack", request.asset_kind, tokens, seconds, result.title + result.text)


def direct_run(specialist: AgentSpecialist, request: DraftRequest, llama: Llama) -> Run:
    messages = [
        {"role": "system", "content": specialist.spec.instructions},
        {"role": "user", "content": specialist.user_message(request)},
    ]
    started = time.perf_counter()
    answer = llama.create_chat_completion(
        messages=messages,  # type: ignore[arg-type]
        max_tokens=specialist.max_tokens(request),
        temperature=0.0,
    )
    seconds = time.perf_counter() - started
    tokens = answer["usage"]["completion_tokens"]  # type: ignore[index]
    return Run("direct llama.cpp", request.asset_kind, tokens, seconds, "")


async def stack_overhead_ms(chunks: int, calls: int = 30) -> float:
    """Milliseconds one draft spends in our stack alone: a zero-latency scripted model
    streaming ``chunks`` chunks through the same specialist, AssistantAgent and retry layer."""
    answer = " ".join(["word"] * chunks)
    model = ScriptedModel(lambda messages: answer)
    settings = Settings(model_writer="scripted", model_critic="scripted", model_fallbacks="")
    specialist = build_specialists(settings, scripted_resolver({"scripted": model}))["newsletter"]
    request = request_for("newsletter", PROMPTS[0][1])
    await specialist.draft(request)
    started = time.perf_counter()
    for _ in range(calls):
        await specialist.draft(request, lambda chunk: None)
    return (time.perf_counter() - started) / calls * 1000


async def measure(rounds: int) -> tuple[list[Run], Settings]:
    with TemporaryDirectory() as data_dir:
        settings = Settings(
            data_dir=Path(data_dir),
            model_writer="local:smollm2-135m",
            model_fallbacks="",
            model_temperature=0.0,
        )
        specialists = build_specialists(settings)
    first = specialists["newsletter"]
    assert isinstance(first, AgentSpecialist)
    client = first.models[0].client  # the direct arm reuses the very same loaded model
    assert isinstance(client, LocalLlamaClient)
    model = load_local_model(client.config)
    runs: list[Run] = []
    for round_index in range(rounds + 1):  # round 0 warms up (load, caches) and is dropped
        for prompt_index, (kind, goal) in enumerate(PROMPTS):
            specialist = specialists[kind]
            assert isinstance(specialist, AgentSpecialist)
            request = request_for(kind, goal)
            pair: list[Run] = []
            for arm in ("agent", "direct") if prompt_index % 2 else ("direct", "agent"):
                model.llama.reset()
                if arm == "agent":
                    pair.append(await agent_run(specialist, request))
                else:
                    pair.append(direct_run(specialist, request, model.llama))
            if round_index:
                runs += pair
    return runs, settings


def _median_pair_overhead(pairs: list[tuple[Run, Run]]) -> float:
    """Median over prompt pairs of 1 - agent tokens/s / direct tokens/s (robust to load drift)."""
    ratios = []
    for first, second in pairs:
        agent, direct = (first, second) if first.arm == "agent stack" else (second, first)
        ratios.append(1 - agent.tokens_per_s / direct.tokens_per_s)
    return statistics.median(ratios)


def report(runs: list[Run], settings: Settings, elapsed_s: float, stack_ms: float) -> str:
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        "# Agent stack vs direct llama.cpp (SmolLM2-135M Q4_1, greedy)",
        "",
        f"- machine: {platform.machine()}, {settings.local_model_threads} llama threads, "
        f"n_ctx {settings.local_model_context}; prompts: {len(PROMPTS)}; "
        f"max_words {MAX_WORDS}; wall time {elapsed_s:.0f} s",
        "- tokens/s = completion tokens / wall time of the whole call (prompt eval included)",
        f"- load average at the end (1/5/15 min): {load} on {os.cpu_count()} cores shared with "
        "other jobs; compare the two arms of one run, not runs with each other",
        "",
        "| arm | calls | completion tokens | total s | tokens/s (sum) | median tokens/s |",
        "|---|---|---|---|---|---|",
    ]
    totals: dict[str, float] = {}
    for arm in ("direct llama.cpp", "agent stack"):
        mine = [run for run in runs if run.arm == arm]
        tokens = sum(run.completion_tokens for run in mine)
        seconds = sum(run.seconds for run in mine)
        totals[arm] = tokens / seconds
        median = statistics.median(run.tokens_per_s for run in mine)
        lines.append(
            f"| {arm} | {len(mine)} | {tokens} | {seconds:.2f} | {totals[arm]:.1f} | {median:.1f} |"
        )
    overhead = 1 - totals["agent stack"] / totals["direct llama.cpp"]
    pairs = list(zip(runs[::2], runs[1::2], strict=True))  # measure() appends runs in pairs
    same = sum(first.completion_tokens == second.completion_tokens for first, second in pairs)
    per_call = statistics.mean(run.seconds for run in runs) * 1000
    lines += [
        "",
        f"Agent stack overhead: {overhead * 100:.1f}% (goal: under 5%); median of per-prompt "
        f"pairs: {_median_pair_overhead(pairs) * 100:.1f}%",
        f"Same completion token count in both arms: {same} of {len(pairs)} prompt pairs "
        "(greedy decoding: identical work)",
        f"Stack alone (zero-latency scripted model, same chunk count): {stack_ms:.2f} ms per "
        f"draft = {stack_ms / per_call * 100:.2f}% of a mean local call ({per_call:.0f} ms)",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="measured rounds over the prompts")
    rounds = parser.parse_args().rounds
    started = time.perf_counter()
    runs, settings = asyncio.run(measure(rounds))
    chunks = round(statistics.mean(run.completion_tokens for run in runs))
    stack_ms = asyncio.run(stack_overhead_ms(chunks))
    text = report(runs, settings, time.perf_counter() - started, stack_ms)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
