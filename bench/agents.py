"""Generation throughput of the agent stack vs llama-cpp-python called directly.

Agent stack: ``Specialist.draft`` -> AutoGen ``AssistantAgent`` (streaming) -> ``ResilientClient``
-> ``LocalLlamaClient`` -> ``llama_cpp.Llama``. Direct: ``Llama.create_chat_completion`` on the
very same messages (the specialist's system prompt and user message), same model object, same
``max_tokens``, temperature 0 (greedy, so every arm generates the same tokens). A third arm
calls our client's own generation loop (``LocalModel.complete``) directly, to separate the cost
of the stack above it from the difference between that loop and ``create_chat_completion``. The
KV cache is reset before every call so no arm profits from another's prompt prefix, and the arm
order rotates per prompt to spread out noise from other processes on the machine.

Run: ``.venv/bin/python -m bench.agents [--rounds N]``; writes ``bench/results/agents.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from agents.base import AssetKind, Constraints, DraftRequest, Specialist
from agents.providers.local import LocalLlamaClient, LocalModel, load_local_model
from agents.providers.model import GenerationOptions
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


AGENT = "agent stack"
DIRECT = "Llama.create_chat_completion"
CORE = "LocalModel.complete (no agent stack)"
ARMS = (DIRECT, AGENT, CORE)
"""The arms, in the order of the table; each prompt runs them in a rotated order."""


def chat_messages(specialist: AgentSpecialist, request: DraftRequest) -> list[dict[str, str]]:
    """The exact messages the specialist sends (system prompt + user message)."""
    return [
        {"role": "system", "content": specialist.spec.instructions},
        {"role": "user", "content": specialist.user_message(request)},
    ]


async def agent_run(specialist: AgentSpecialist, request: DraftRequest, model: LocalModel) -> Run:
    started = time.perf_counter()
    result = await specialist.draft(request, lambda chunk: None)
    seconds = time.perf_counter() - started
    tokens = sum(event.completion_tokens for event in result.events)
    return Run(AGENT, request.asset_kind, tokens, seconds, result.title + result.text)


async def direct_run(specialist: AgentSpecialist, request: DraftRequest, model: LocalModel) -> Run:
    started = time.perf_counter()
    answer = model.llama.create_chat_completion(
        messages=chat_messages(specialist, request),  # type: ignore[arg-type]
        max_tokens=specialist.max_tokens(request),
        temperature=0.0,
    )
    seconds = time.perf_counter() - started
    tokens = answer["usage"]["completion_tokens"]  # type: ignore[index]
    return Run(DIRECT, request.asset_kind, tokens, seconds, "")


async def core_run(specialist: AgentSpecialist, request: DraftRequest, model: LocalModel) -> Run:
    """Our client's generation loop called directly (no asyncio, thread, AutoGen or retries)."""
    options = GenerationOptions(max_tokens=specialist.max_tokens(request), temperature=0.0)
    started = time.perf_counter()
    usage, _ = model.complete(
        chat_messages(specialist, request), options, lambda chunk: None, lambda: False
    )
    seconds = time.perf_counter() - started
    return Run(CORE, request.asset_kind, usage.completion_tokens, seconds, "")


ArmRunner = Callable[[AgentSpecialist, DraftRequest, LocalModel], Awaitable[Run]]
RUNNERS: dict[str, ArmRunner] = {AGENT: agent_run, DIRECT: direct_run, CORE: core_run}


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


async def measure(rounds: int) -> tuple[list[dict[str, Run]], Settings]:
    """One dict (arm -> run) per prompt and measured round."""
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
    client = first.models[0].client  # the other arms reuse the very same loaded model
    assert isinstance(client, LocalLlamaClient)
    model = load_local_model(client.config)
    await _run_arms(specialists, model, 0)  # warm-up (model load, caches), dropped
    sets = [
        await _run_arms(specialists, model, prompt_index)
        for _ in range(rounds)
        for prompt_index in range(len(PROMPTS))
    ]
    return sets, settings


async def _run_arms(
    specialists: Mapping[AssetKind, Specialist], model: LocalModel, prompt_index: int
) -> dict[str, Run]:
    """Every arm once on one prompt, in an order rotated by the prompt's index."""
    kind, goal = PROMPTS[prompt_index]
    specialist = specialists[kind]
    assert isinstance(specialist, AgentSpecialist)
    request = request_for(kind, goal)
    shift = prompt_index % len(ARMS)
    runs: dict[str, Run] = {}
    for arm in ARMS[shift:] + ARMS[:shift]:
        model.llama.reset()
        runs[arm] = await RUNNERS[arm](specialist, request, model)
    return runs


def _median_overhead(sets: list[dict[str, Run]], baseline: str) -> float:
    """Median over prompts of 1 - agent tokens/s / baseline tokens/s (robust to load drift)."""
    return statistics.median(1 - s[AGENT].tokens_per_s / s[baseline].tokens_per_s for s in sets)


def report(
    sets: list[dict[str, Run]], settings: Settings, elapsed_s: float, stack_ms: float
) -> str:
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        "# Agent stack vs direct llama.cpp (SmolLM2-135M Q4_1, greedy)",
        "",
        f"- machine: {platform.machine()}, {settings.local_model_threads} llama threads, "
        f"n_ctx {settings.local_model_context}; {len(PROMPTS)} prompts x "
        f"{len(sets) // len(PROMPTS)} rounds; max_words {MAX_WORDS}; wall time {elapsed_s:.0f} s",
        "- tokens/s = completion tokens / wall time of the whole call (prompt eval included)",
        f"- load average at the end (1/5/15 min): {load} on {os.cpu_count()} cores shared with "
        "other jobs; compare the arms of one run, not runs with each other",
        "",
        "| arm | calls | completion tokens | total s | tokens/s (sum) | median tokens/s |",
        "|---|---|---|---|---|---|",
    ]
    totals: dict[str, float] = {}
    for arm in ARMS:
        mine = [s[arm] for s in sets]
        tokens = sum(run.completion_tokens for run in mine)
        seconds = sum(run.seconds for run in mine)
        totals[arm] = tokens / seconds
        median = statistics.median(run.tokens_per_s for run in mine)
        lines.append(
            f"| {arm} | {len(mine)} | {tokens} | {seconds:.2f} | {totals[arm]:.1f} | {median:.1f} |"
        )
    same = sum(len({run.completion_tokens for run in s.values()}) == 1 for s in sets)
    per_call = statistics.mean(s[AGENT].seconds for s in sets) * 1000
    lines += [""]
    for baseline in (DIRECT, CORE):
        overhead = 1 - totals[AGENT] / totals[baseline]
        lines.append(
            f"Agent stack overhead vs {baseline}: {overhead * 100:.1f}% (goal: under 5%); "
            f"median of per-prompt ratios: {_median_overhead(sets, baseline) * 100:.1f}%"
        )
    lines += [
        f"Same completion token count in every arm: {same} of {len(sets)} prompts "
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
    sets, settings = asyncio.run(measure(rounds))
    chunks = round(statistics.mean(s[AGENT].completion_tokens for s in sets))
    stack_ms = asyncio.run(stack_overhead_ms(chunks))
    text = report(sets, settings, time.perf_counter() - started, stack_ms)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
