"""The savers' transport: our own RESP client vs redis-py (hiredis parser), one run (issue 13).

Same saver, same commands, same pipelined round trips; only the transport differs:

- ``own RESP client``: ``graph.checkpoint.wire`` (the savers' default): requests packed by
  hiredis and written on sockets of its own, replies parsed by ``hiredis.Reader``;
- ``redis-py + hiredis``: ``graph.checkpoint.link.ClientLink`` / ``AsyncClientLink``, i.e.
  ``client.execute_command`` for an EVALSHA and a ``pipeline(transaction=True)`` for a
  MULTI/EXEC, on redis-py 8 with the hiredis parser installed.

Operations, each timed on its own: ``put`` (a ~5 KB document and a growing message list),
``put_writes`` (two channel writes), ``step`` (put_writes then put: what a LangGraph superstep
costs the saver), ``get_tuple`` (the newest checkpoint, as every invoke and ``get_state`` do),
``list`` (the newest 10) and ``graph step``: a whole superstep of ``bench/saver_cases``'s
8-node campaign-shaped graph (invoke time / 8, ``durability="sync"``, fresh thread each).
Sync savers and async savers, on the embedded Redis (unix socket) and on the machine's Redis
over TCP (127.0.0.1:6379). Arms alternate in bursts of 10 steps and their order swaps every
repetition, so load swings of the shared machine hit both alike.

Run: ``.venv/bin/python -m bench.wire [--reps 5] [--steps 60]``; writes bench/results/wire.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import redis
import redis.asyncio
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import Checkpoint, empty_checkpoint
from langgraph.checkpoint.base.id import uuid6

from bench.saver_cases import STEPS, build_campaign_graph, initial_input
from graph.checkpoint import AsyncRedisSaver, RedisSaver
from graph.checkpoint.link import AsyncClientLink, ClientLink
from graph.checkpoint.wire import AsyncWire, Wire
from tools.redis_server import EmbeddedRedis

TCP_URL = "redis://127.0.0.1:6379/0"
RESULTS = Path(__file__).resolve().parent / "results" / "wire.md"
OPS = ("put", "put_writes", "step", "get_tuple", "list", "graph step")
ARMS = ("own RESP client", "redis-py + hiredis")
Samples = dict[str, dict[str, list[float]]]
"""arm -> op -> seconds."""


def _checkpoint(step: int, parent: Checkpoint | None) -> Checkpoint:
    """A campaign-shaped checkpoint: a ~5 KB document and one ~1 KB message more per step."""
    checkpoint = empty_checkpoint()
    checkpoint["id"] = str(uuid6(clock_seq=step))
    text = f"step {step} {uuid.uuid4().hex} "
    messages = list(parent["channel_values"].get("messages", [])) if parent else []
    messages.append({"role": "assistant", "content": (text * 40)[:1000]})
    checkpoint["channel_values"] = {"messages": messages, "document": (text * 200)[:5000]}
    version = f"{step + 1:032}.0"
    checkpoint["channel_versions"] = {"messages": version, "document": version}
    return checkpoint


class Thread:
    """One thread's chain of checkpoints, written step by step through one saver."""

    def __init__(self) -> None:
        self.config: RunnableConfig = {
            "configurable": {"thread_id": f"t-{uuid.uuid4().hex[:12]}", "checkpoint_ns": ""}
        }
        self.last: Checkpoint | None = None
        self.step = 0

    def next_put(self) -> tuple[RunnableConfig, Checkpoint, dict[str, Any], dict[str, str]]:
        checkpoint = _checkpoint(self.step, self.last)
        metadata = {"source": "loop", "step": self.step, "parents": {}}
        self.last, self.step = checkpoint, self.step + 1
        return self.config, checkpoint, metadata, dict(checkpoint["channel_versions"])

    def writes(self) -> list[tuple[str, Any]]:
        return [("document", "d" * 2000), ("messages", [{"role": "user", "content": "x" * 500}])]


def _timed(samples: dict[str, list[float]], op: str, started: float) -> None:
    samples[op].append(time.perf_counter() - started)


def run_sync(saver: RedisSaver, steps: int, samples: dict[str, list[float]]) -> None:
    """``steps`` supersteps of one fresh thread, then reads; every op timed."""
    thread = Thread()
    thread.config = saver.put(*thread.next_put())
    for _ in range(steps):
        started = time.perf_counter()
        saver.put_writes(thread.config, thread.writes(), str(uuid.uuid4()))
        _timed(samples, "put_writes", started)
        middle = time.perf_counter()
        thread.config = saver.put(*thread.next_put())
        _timed(samples, "put", middle)
        _timed(samples, "step", started)
        started = time.perf_counter()
        saver.get_tuple(thread.config)
        _timed(samples, "get_tuple", started)
        started = time.perf_counter()
        list(saver.list(thread.config, limit=10))
        _timed(samples, "list", started)


async def run_async(saver: AsyncRedisSaver, steps: int, samples: dict[str, list[float]]) -> None:
    """``run_sync`` on an async saver."""
    thread = Thread()
    thread.config = await saver.aput(*thread.next_put())
    for _ in range(steps):
        started = time.perf_counter()
        await saver.aput_writes(thread.config, thread.writes(), str(uuid.uuid4()))
        _timed(samples, "put_writes", started)
        middle = time.perf_counter()
        thread.config = await saver.aput(*thread.next_put())
        _timed(samples, "put", middle)
        _timed(samples, "step", started)
        started = time.perf_counter()
        await saver.aget_tuple(thread.config)
        _timed(samples, "get_tuple", started)
        started = time.perf_counter()
        _ = [t async for t in saver.alist(thread.config, limit=10)]
        _timed(samples, "list", started)


async def _graph_steps(
    sync_app: Any,
    async_app: Any,
    invokes: int,
    sync_samples: dict[str, list[float]],
    async_samples: dict[str, list[float]],
) -> None:
    """``invokes`` runs of the campaign-shaped graph, sync and async; seconds per superstep."""
    for _ in range(invokes):
        config: RunnableConfig = {"configurable": {"thread_id": f"g-{uuid.uuid4().hex}"}}
        started = time.perf_counter()
        sync_app.invoke(initial_input(), config, durability="sync")
        sync_samples["graph step"].append((time.perf_counter() - started) / STEPS)
        config = {"configurable": {"thread_id": f"g-{uuid.uuid4().hex}"}}
        started = time.perf_counter()
        await async_app.ainvoke(initial_input(), config, durability="sync")
        async_samples["graph step"].append((time.perf_counter() - started) / STEPS)


def _empty() -> Samples:
    return {arm: {op: [] for op in OPS} for arm in ARMS}


async def measure(url: str, prefix: str, reps: int, steps: int) -> dict[str, Samples]:
    """Samples of both arms, sync and async, on the Redis at ``url``."""
    sync_client = redis.Redis.from_url(url)
    async_client = redis.asyncio.Redis.from_url(url)
    sync_savers = {
        ARMS[0]: RedisSaver(sync_client, prefix=prefix, link=Wire(sync_client)),
        ARMS[1]: RedisSaver(sync_client, prefix=prefix, link=ClientLink(sync_client)),
    }
    async_savers = {
        ARMS[0]: AsyncRedisSaver(async_client, prefix=prefix, link=AsyncWire(async_client)),
        ARMS[1]: AsyncRedisSaver(async_client, prefix=prefix, link=AsyncClientLink(async_client)),
    }
    sync_graph, async_graph = build_campaign_graph("sync"), build_campaign_graph("async")
    sync_apps = {arm: sync_graph.compile(checkpointer=sync_savers[arm]) for arm in ARMS}
    async_apps = {arm: async_graph.compile(checkpointer=async_savers[arm]) for arm in ARMS}
    found = {"sync": _empty(), "async": _empty()}
    for arm in ARMS:  # warm-up: connections opened, scripts loaded
        run_sync(sync_savers[arm], 5, _empty()[arm])
        await run_async(async_savers[arm], 5, _empty()[arm])
        await _graph_steps(sync_apps[arm], async_apps[arm], 2, _empty()[arm], _empty()[arm])
    for rep in range(reps):
        order = ARMS if rep % 2 == 0 else ARMS[::-1]
        for _ in range(steps // 10):  # short bursts, alternating arms
            for arm in order:
                run_sync(sync_savers[arm], 10, found["sync"][arm])
            for arm in order:
                await run_async(async_savers[arm], 10, found["async"][arm])
            for arm in order:
                sync_found, async_found = found["sync"][arm], found["async"][arm]
                await _graph_steps(sync_apps[arm], async_apps[arm], 2, sync_found, async_found)
    for saver in sync_savers.values():
        saver.close()
    for async_saver in async_savers.values():
        await async_saver.aclose()
    await async_client.aclose()
    _delete_prefix(sync_client, prefix)
    return found


def _delete_prefix(client: redis.Redis, prefix: str) -> None:
    """The run's own keys: the prefix is random hex, no glob characters."""
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1e6


def table(where: str, mode: str, samples: Samples) -> list[str]:
    own, lib = samples[ARMS[0]], samples[ARMS[1]]
    lines = [
        f"### {where}, {mode}",
        "",
        "| op | own p50 µs | own p95 µs | redis-py p50 µs | redis-py p95 µs "
        "| gain p50 | gain p95 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for op in OPS:
        o50, o95 = _pct(own[op], 0.5), _pct(own[op], 0.95)
        r50, r95 = _pct(lib[op], 0.5), _pct(lib[op], 0.95)
        lines.append(
            f"| {op} | {o50:.0f} | {o95:.0f} | {r50:.0f} | {r95:.0f} | "
            f"{(r50 - o50) / r50:+.0%} | {(r95 - o95) / r95:+.0%} |"
        )
    return [*lines, ""]


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


async def main(reps: int, steps: int) -> str:
    started_load = _load()
    t0 = time.perf_counter()
    yard = statistics.median(_yardstick() for _ in range(5))
    prefix = f"blbench:{uuid.uuid4().hex[:12]}"
    sections: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp) / "redis")
        url = server.start()
        try:
            embedded = await measure(url, prefix, reps, steps)
        finally:
            server.stop()
    tcp = await measure(TCP_URL, prefix, reps, steps)
    for where, found in (
        ("embedded Redis, unix socket", embedded),
        ("Redis 127.0.0.1:6379 TCP", tcp),
    ):
        for mode in ("sync", "async"):
            sections += table(where, mode, found[mode])
    header = [
        "# Saver transport: own RESP client vs redis-py + hiredis",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} CPUs; "
        f"load average (1/5/15 min) {started_load} at start, {_load()} at the end; CPU "
        f"yardstick `sum(range(10**6))` {yard:.1f} ms; {reps} repetitions x {steps} steps per "
        f"arm and mode, arms alternating every 10 steps; {time.perf_counter() - t0:.0f} s.",
        "Per-op latency (µs) over every repetition; *gain* = how much less time the own client "
        "takes than redis-py (positive: own client faster). *step* = put_writes + put, what "
        "one LangGraph superstep costs the saver; *graph step* = a whole superstep of an "
        "8-node graph (node work + LangGraph + saver), what a campaign feels.",
        "",
    ]
    return "\n".join(header + sections)


def _yardstick() -> float:
    started = time.perf_counter()
    sum(range(10**6))
    return (time.perf_counter() - started) * 1000


def _run(reps: int, steps: int, runner: Callable[[int, int], Awaitable[str]]) -> str:
    return asyncio.run(runner(reps, steps))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--steps", type=int, default=60)
    options = parser.parse_args()
    text = _run(options.reps, options.steps, main)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)
