"""Checkpoint savers side by side on one campaign-shaped graph (issue 6, Benchmark).

Run: ``.venv/bin/python -m bench.savers`` (needs the machine's Redis on 127.0.0.1:6379 and
PostgreSQL on 127.0.0.1:5432, db ``test``). Writes ``bench/results/savers.md``.

Measured, in one run and interleaved round by round so background load hits every saver alike:
per-step overhead over InMemorySaver (sync savers vs sync InMemorySaver under ``invoke``, async
savers vs async InMemorySaver under ``ainvoke``; durability "async" and "sync"), get_state and
full-history latency on a thread with 100+ checkpoints, invokes per second with 16 concurrent
campaign threads, Redis round trips per saver call, and Redis memory per thread with and without
pruning.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import timeit
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, Literal

import redis
import redis.asyncio
from langchain_core.runnables import RunnableConfig

from bench import saver_probes as probes
from bench.saver_cases import (
    REDIS_URL,
    STEPS,
    SaverCase,
    all_cases,
    build_campaign_graph,
    delete_prefix,
    initial_input,
)
from graph.checkpoint import AsyncRedisSaver, RedisSaver

Durability = Literal["async", "sync"]
RESULTS = Path(__file__).parent / "results" / "savers.md"
ROUNDS, BATCH, WARMUP = 6, 12, 5
HISTORY_INVOKES = 12
THROUGHPUT_SECONDS, THROUGHPUT_ROUNDS, WORKERS = 4.0, 4, 16


def _config() -> RunnableConfig:
    return {"configurable": {"thread_id": f"bench-{uuid.uuid4().hex}"}}


async def _invoke(
    case: SaverCase, app: Any, config: RunnableConfig, durability: Durability
) -> None:
    if case.mode == "sync":
        app.invoke(initial_input(), config, durability=durability)
    else:
        await app.ainvoke(initial_input(), config, durability=durability)


async def per_invoke_seconds(
    cases: list[SaverCase], apps: dict[str, Any], durability: Durability
) -> dict[str, float]:
    """Median seconds per invoke (fresh thread each), rounds interleaved across savers."""
    samples: dict[str, list[float]] = {key(c): [] for c in cases}
    for case in cases:
        for _ in range(WARMUP):
            await _invoke(case, apps[key(case)], _config(), durability)
    for _ in range(ROUNDS * BATCH):
        for case in cases:  # one invoke per saver in turn: load swings hit all of them alike
            config = _config()
            started = time.perf_counter()
            await _invoke(case, apps[key(case)], config, durability)
            samples[key(case)].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


async def history_latency(case: SaverCase, app: Any) -> tuple[int, float, float]:
    """(checkpoints, get_state ms, full history ms) on one thread with 100+ checkpoints."""
    config = _config()
    for _ in range(HISTORY_INVOKES):
        await _invoke(case, app, config, "sync")

    async def get_state() -> Any:
        return app.get_state(config) if case.mode == "sync" else await app.aget_state(config)

    async def history() -> list[Any]:
        if case.mode == "sync":
            return list(app.get_state_history(config))
        return [s async for s in app.aget_state_history(config)]

    count = len(await history())
    state_ms = await _median_ms(get_state, 30)
    history_ms = await _median_ms(history, 7)
    return count, state_ms, history_ms


async def _median_ms(call: Callable[[], Awaitable[Any]], repeats: int) -> float:
    await call()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        await call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


async def throughput(case: SaverCase, app: Any, seconds: float) -> tuple[int, float]:
    """(invokes, seconds) with 16 campaign threads running at once for about ``seconds``."""
    deadline = time.perf_counter() + seconds
    done = [0]
    if case.mode == "async":

        async def worker() -> None:
            while time.perf_counter() < deadline:
                await app.ainvoke(initial_input(), _config())
                done[0] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(WORKERS)))
    else:

        def sync_worker() -> None:
            while time.perf_counter() < deadline:
                app.invoke(initial_input(), _config())
                done[0] += 1

        started = time.perf_counter()
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(lambda _: sync_worker(), range(WORKERS)))
    return done[0], time.perf_counter() - started


async def throughputs(cases: list[SaverCase], apps: dict[str, Any]) -> dict[str, float]:
    """Invokes per second of each saver, in short rounds interleaved across savers (so a load
    swing hits them all alike), ``THROUGHPUT_SECONDS`` each in total."""
    totals = {key(c): (0, 0.0) for c in cases}
    for _ in range(THROUGHPUT_ROUNDS):
        for case in cases:
            invokes, seconds = await throughput(
                case, apps[key(case)], THROUGHPUT_SECONDS / THROUGHPUT_ROUNDS
            )
            done, spent = totals[key(case)]
            totals[key(case)] = (done + invokes, spent + seconds)
    return {name: done / spent for name, (done, spent) in totals.items()}


def key(case: SaverCase) -> str:
    return f"{case.name} ({case.mode})"


async def round_trips() -> list[tuple[str, dict[str, int], int]]:
    """(saver, calls per invoke, round trips per invoke) for the Redis savers."""
    from langgraph_checkpoint_plainredis import AsyncRedisSaver as PlainAsync
    from langgraph_checkpoint_plainredis import RedisSaver as PlainSync

    rows = []
    for name, base, mode in [
        ("brandloom RedisSaver", RedisSaver, "sync"),
        ("brandloom AsyncRedisSaver", AsyncRedisSaver, "async"),
        ("plainredis RedisSaver", PlainSync, "sync"),
        ("plainredis AsyncRedisSaver", PlainAsync, "async"),
    ]:
        prefix = f"blbench:{uuid.uuid4().hex[:12]}"
        client, sent = (
            probes.counting_sync_client() if mode == "sync" else probes.counting_async_client()
        )
        if base is AsyncRedisSaver:  # a plain client, so its own pipelined connection is used
            client = redis.asyncio.Redis.from_url(REDIS_URL)
        counted = probes.counting_saver_class(base)
        saver = counted(client, prefix=prefix)
        app = build_campaign_graph(mode).compile(checkpointer=saver)
        case = SaverCase(name, mode, lambda: None)  # type: ignore[arg-type]

        def trips_so_far(saver: Any = saver, sent: list[int] = sent) -> int:
            """Requests counted by the client's connections plus the async wire's own."""
            return sent[0] + getattr(getattr(saver, "_wire", None), "round_trips", 0)

        try:
            await _invoke(case, app, _config(), "sync")  # loads scripts, warms connections
            counted.calls.clear()
            start = trips_so_far()
            for _ in range(5):
                await _invoke(case, app, _config(), "sync")
            calls = {k: v // 5 for k, v in counted.calls.items()}
            rows.append((f"{name} ({mode})", calls, (trips_so_far() - start) // 5))
        finally:
            delete_prefix(prefix)
    return rows


async def memory_rows() -> list[tuple[str, int, int, int, int]]:
    """(scenario, invokes per thread, Redis bytes, bytes the saver wrote, latest state bytes).

    All per thread; the latest state is the serialized size of the thread's current values
    (what a saver must keep at the very least)."""
    client = redis.Redis.from_url(REDIS_URL)
    rows = []
    scenarios: list[tuple[str, dict[str, Any], int, int]] = [
        ("no prune, 10 finished threads", {}, 10, 1),
        ("keep_last=1, 10 finished threads", {"keep_last": 1}, 10, 1),
        ("no prune, 1 thread x 4 invokes", {}, 1, 4),
        ("keep_last=1, 1 thread x 4 invokes", {"keep_last": 1}, 1, 4),
        ("no prune, 1 thread x 16 invokes", {}, 1, 16),
        ("keep_last=1, 1 thread x 16 invokes", {"keep_last": 1}, 1, 16),
    ]
    for label, options, threads, invokes in scenarios:
        prefix = f"blbench:{uuid.uuid4().hex[:12]}"
        saver = RedisSaver(client, prefix=prefix, **options)
        app = build_campaign_graph("sync").compile(checkpointer=saver)
        try:
            for _ in range(threads):
                config = _config()
                for _ in range(invokes):
                    app.invoke(initial_input(), config, durability="sync")
            used = probes.memory_under(client, prefix) // threads
            held = probes.serialized_bytes_under(client, prefix) // threads
            latest = len(saver.serde.dumps_typed(app.get_state(config).values)[1])
            rows.append((label, invokes, used, held, latest))
        finally:
            delete_prefix(prefix)
    return rows


def plainredis_memory() -> int:
    """Redis bytes per finished thread for langgraph-checkpoint-plainredis (10 threads)."""
    from langgraph_checkpoint_plainredis import RedisSaver as PlainSync

    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"blbench:{uuid.uuid4().hex[:12]}"
    app = build_campaign_graph("sync").compile(checkpointer=PlainSync(client, prefix=prefix))
    try:
        for _ in range(10):
            app.invoke(initial_input(), _config(), durability="sync")
        return probes.memory_under(client, prefix) // 10
    finally:
        delete_prefix(prefix)


def _yardstick_ms() -> float:
    """Best of 5 timings of a fixed pure-Python loop: how fast this machine is right now."""
    return min(timeit.repeat("sum(range(10**6))", number=1, repeat=5)) * 1000


async def main() -> None:
    from bench.saver_report import render

    cases = all_cases()
    load_before = os.getloadavg()[0]
    async with AsyncExitStack() as stack:
        savers = {key(c): await stack.enter_async_context(c.open()) for c in cases}
        apps = {
            key(c): build_campaign_graph(c.mode).compile(checkpointer=savers[key(c)]) for c in cases
        }
        per_invoke = {d: await per_invoke_seconds(cases, apps, d) for d in ("async", "sync")}
        history = {key(c): await history_latency(c, apps[key(c)]) for c in cases}
        rates = await throughputs(cases, apps)
    load_during = os.getloadavg()[0]
    trips = await round_trips()
    memory = await memory_rows()
    plain_memory = plainredis_memory()
    server = redis.Redis.from_url(REDIS_URL).info("server")["redis_version"]
    context = (
        f"{os.cpu_count()} CPUs, load average {load_before:.1f} at start and "
        f"{load_during:.1f} after the timing runs (other jobs share the machine); CPU "
        f"yardstick `sum(range(10**6))` {_yardstick_ms():.1f} ms (compare runs by it); "
        f"Redis {server} at {REDIS_URL}; {STEPS} steps per invoke"
    )
    text = render(cases, per_invoke, history, rates, trips, memory, plain_memory, context)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    asyncio.run(main())
