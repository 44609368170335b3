"""Content store: append latency and KPI time on SQLite, PostgreSQL and the in-memory reference.

1. Append latency: single-event appends one after the other (what a node does), p50/p95/mean,
   for a plain event (``model_call``) and a lifecycle event (``status_changed``, which also
   reads the asset's lifecycle to check the move), plus the SQL statements each append sends;
   PostgreSQL with durable commits and with ``synchronous_commit=off``; bare-driver floors.
   Goals: p95 <= 1 ms on SQLite, <= 3 ms on PostgreSQL.
2. KPIs over 100,000 events (about 1,600 campaigns of 8 assets over 5 brands), loaded through
   ``append`` in batches of 1,000: ``kpis()`` for everything and for one brand, best and median
   of 5. Goal: <= 200 ms.

Run: ``.venv/bin/python -m bench.content_store [--appends 2000] [--events 100000]``; needs the
machine's PostgreSQL at 127.0.0.1:5432 (db ``test``; a private schema, dropped afterwards; the
PostgreSQL arm is left out with a note when it is unreachable). Writes
``bench/results/content_store.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event as sa_event

from tools.content_store import ContentStore, InMemoryContentStore
from tools.content_store.events import (
    AssetFlagged,
    CampaignStarted,
    HumanDecision,
    ModelCalled,
    StatusChanged,
    StoreEvent,
    VersionCreated,
)
from tools.content_store.sql import SqlContentStore, open_sql_store
from tools.content_store.sql_database import AsyncDatabase, ThreadedDatabase

RESULTS = Path(__file__).resolve().parent / "results" / "content_store.md"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BRANDS = ("acme", "zen", "north", "lumen", "orbit")


def _event(
    thread: str, key: str, payload: Any, asset: str = "", version: int = 0, **kw: Any
) -> StoreEvent:
    return StoreEvent(
        event_key=f"{thread}:{key}", thread_id=thread, asset_id=asset, version=version,
        payload=payload, **kw,
    )  # fmt: skip


def campaign(index: int, assets: int = 8) -> list[StoreEvent]:
    """One campaign's events: drafts, reviews (some edited, some rejected), publications, a fix."""
    thread, brand = f"c{index}", BRANDS[index % len(BRANDS)]
    at = 1_700_000_000.0 + index * 600
    kw = {"brand": brand}
    events = [_event(thread, "start", CampaignStarted(title=thread, brief_hash="b"), at=at, **kw)]
    for n in range(assets):
        asset, t = f"a{n}", at + n
        call = ModelCalled(model_id="openai:gpt-4.1-mini", prompt_tokens=900,
                           completion_tokens=300, cost_usd=0.0021, latency_ms=900.0)  # fmt: skip
        events += [
            _event(thread, f"{asset}:call", call, asset, 1, at=t + 1, **kw),
            _event(thread, f"{asset}:v1", VersionCreated(author="copywriter", text="draft " * 40),
                   asset, 1, at=t + 2, **kw),
            _event(thread, f"{asset}:rev", StatusChanged(to_status="review"), asset, 1,
                   at=t + 3, **kw),
        ]  # fmt: skip
        decision = ("approve", "approve", "edit", "reject")[(index + n) % 4]
        review = HumanDecision(gate="review", decision=decision, before="draft " * 40,
                               after="draft " * 30 + "edited " * 10)  # fmt: skip
        events.append(_event(thread, f"{asset}:dec", review, asset, 1, at=t + 60, **kw))
        final = "rejected" if decision == "reject" else "approved"
        events.append(
            _event(
                thread, f"{asset}:fin", StatusChanged(to_status=final), asset, 1, at=t + 61, **kw
            )
        )
        if final == "approved":
            events.append(_event(thread, f"{asset}:pub", StatusChanged(to_status="published"),
                                 asset, 1, at=t + 300, **kw))  # fmt: skip
    events += [
        _event(thread, "flag", AssetFlagged(reason="price"), "a0", 1, at=at + 400, **kw),
        _event(thread, "fix", VersionCreated(author="human:x", text="fixed", source="human",
               status="review"), "a0", 2, at=at + 410, **kw),
        _event(thread, "fixok", StatusChanged(to_status="approved"), "a0", 2, at=at + 420, **kw),
        _event(thread, "fixpub", StatusChanged(to_status="published"), "a0", 2, at=at + 500, **kw),
    ]  # fmt: skip
    return events


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _count_statements(store: ContentStore) -> Callable[[], int]:
    """A counter of SQL statements the store's engine sends (0 for the in-memory store)."""
    counter = [0]
    if isinstance(store, SqlContentStore):
        database = store.database
        engine = database.engine.sync_engine if isinstance(database, AsyncDatabase) else None
        if isinstance(database, ThreadedDatabase):
            engine = database.engine
        assert engine is not None

        @sa_event.listens_for(engine, "before_cursor_execute")
        def _count(*_args: Any) -> None:
            counter[0] += 1

    return lambda: counter[0]


async def append_latency(store: ContentStore, appends: int) -> dict[str, float]:
    statements = _count_statements(store)
    thread = f"lat-{uuid.uuid4().hex[:8]}"
    await store.append([_event(thread, "start", CampaignStarted(title="t", brief_hash="b"))])
    plain: list[float] = []
    before = statements()
    for i in range(appends):
        call = ModelCalled(model_id="local:smollm2-135m", cost_usd=0.0, prompt_tokens=10)
        one = _event(thread, f"call{i}", call, f"x{i}", 1)
        started = time.perf_counter()
        await store.append([one])
        plain.append((time.perf_counter() - started) * 1000)
    per_plain = (statements() - before) / appends
    lifecycle: list[float] = []
    before = statements()
    rounds = max(appends // 4, 1)
    for i in range(rounds):
        draft = _event(thread, f"v{i}", VersionCreated(author="w", text="t"), f"y{i}", 1)
        await store.append([draft])
        move = _event(thread, f"r{i}", StatusChanged(to_status="review"), f"y{i}", 1)
        started = time.perf_counter()
        await store.append([move])
        lifecycle.append((time.perf_counter() - started) * 1000)
    per_lifecycle = (statements() - before) / rounds / 2
    return {
        "p50": statistics.median(plain), "p95": _percentile(plain, 0.95),
        "mean": statistics.fmean(plain), "statements": per_plain,
        "lc_p50": statistics.median(lifecycle), "lc_p95": _percentile(lifecycle, 0.95),
        "lc_statements": per_lifecycle,
    }  # fmt: skip


async def kpi_time(store: ContentStore, events: int) -> dict[str, float]:
    batch: list[StoreEvent] = []
    loaded, index = 0, 0
    started = time.perf_counter()
    while loaded < events:
        for e in campaign(index):
            batch.append(e)
            if len(batch) == 1000:
                await store.append(batch)
                loaded += len(batch)
                batch = []
        index += 1
    if batch:
        await store.append(batch)
        loaded += len(batch)
    load_s = time.perf_counter() - started
    timings: dict[str, list[float]] = {"all": [], "brand": []}
    for _ in range(5):
        for name, kwargs in (("all", {}), ("brand", {"brand": "acme"})):
            started = time.perf_counter()
            kpis = await store.kpis(**kwargs)
            timings[name].append((time.perf_counter() - started) * 1000)
    return {
        "events": loaded, "load_s": load_s, "all_best": min(timings["all"]),
        "all_median": statistics.median(timings["all"]), "brand_best": min(timings["brand"]),
        "brand_median": statistics.median(timings["brand"]), "approved": kpis.approved_assets,
    }  # fmt: skip


async def _postgres_schema() -> tuple[psycopg.AsyncConnection[Any], str] | None:
    try:
        admin = await psycopg.AsyncConnection.connect(POSTGRES_URL, autocommit=True)
    except psycopg.OperationalError:
        return None
    schema = f"blbench_{uuid.uuid4().hex[:10]}"
    await admin.execute(f"CREATE SCHEMA {schema}")
    return admin, schema


Rows = list[tuple[str, dict[str, float]]]


async def open_cost(opener: Callable[[], Any], rounds: int = 20) -> dict[str, float]:
    """p50 / p95 ms of opening an existing, migrated store and closing it: what the service pays
    per run when no store is injected (``graph.service.store.store_session``)."""
    await (await opener()).close()  # created and migrated once, as after the first run
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        store = await opener()
        await store.close()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p95": _percentile(times, 0.95)}


async def run(appends: int, events: int) -> tuple[Rows, Rows, list[str], dict[str, float]]:
    notes: list[str] = []
    latency: Rows = []
    kpis: Rows = []
    pg = await _postgres_schema()
    if pg is None:
        notes.append(f"PostgreSQL at {POSTGRES_URL} unreachable: its arm is missing.")
    with tempfile.TemporaryDirectory() as tmp:
        floor = await driver_floor(Path(tmp), postgres=pg is not None)
        opens = await open_cost(lambda: open_sql_store(None, data_dir=Path(tmp) / "open"))
        floor["open+close SQLite store p50"] = opens["p50"]
        floor["open+close SQLite store p95"] = opens["p95"]
        if pg is not None:
            schema_url = f"{POSTGRES_URL}?options=-csearch_path%3D{pg[1]}"
            pg_opens = await open_cost(lambda: open_sql_store(schema_url))
            floor["open+close PostgreSQL store p50"] = pg_opens["p50"]
            floor["open+close PostgreSQL store p95"] = pg_opens["p95"]
        arms: list[tuple[str, Callable[[str], Any]]] = [
            ("in-memory (reference)", lambda _: _memory()),
            ("SQLite (WAL, file)", lambda sub: open_sql_store(None, data_dir=Path(tmp) / sub)),
        ]
        if pg is not None:
            url = f"{POSTGRES_URL}?options=-csearch_path%3D{pg[1]}"
            lazy = url + "%20-csynchronous_commit%3Doff"
            arms.append(("PostgreSQL (psycopg, durable commits)", lambda _: open_sql_store(url)))
            arms.append(("PostgreSQL, synchronous_commit=off", lambda _: open_sql_store(lazy)))
        try:
            for n, (name, opener) in enumerate(arms):
                store = await opener(f"lat{n}")
                latency.append((name, await append_latency(store, appends)))
                await store.close()
                if "synchronous_commit=off" in name:
                    continue  # the KPIs do not depend on commit durability
                if pg is not None and "PostgreSQL" in name:
                    await pg[0].execute(f"DROP SCHEMA {pg[1]} CASCADE")
                    await pg[0].execute(f"CREATE SCHEMA {pg[1]}")
                store = await opener(f"kpi{n}")
                kpis.append((name, await kpi_time(store, events)))
                await store.close()
        finally:
            if pg is not None:
                await pg[0].execute(f"DROP SCHEMA {pg[1]} CASCADE")
                await pg[0].close()
    return latency, kpis, notes, floor


async def _memory() -> ContentStore:
    return InMemoryContentStore()


LATENCY_HEADER = (
    "| store | p50 ms | p95 ms | mean ms | statements | lifecycle p50 ms | lifecycle p95 ms "
    "| lifecycle statements |\n|---|---:|---:|---:|---:|---:|---:|---:|"
)
KPI_HEADER = (
    "| store | events | load (s, batches of 1,000) | kpis() best ms | median ms "
    "| one brand best ms | median ms |\n|---|---:|---:|---:|---:|---:|---:|"
)


def render(
    latency: Rows,
    kpis: Rows,
    notes: list[str],
    appends: int,
    floor: dict[str, float],
) -> str:
    load = os.getloadavg()[0]
    floor_text = ", ".join(f"{name} {ms:.3f} ms" for name, ms in floor.items())
    lines = [
        "# Content store benchmark", "",
        f"Machine: {os.cpu_count()} cores, load average {load:.2f} when the report was written; "
        "`python -m bench.content_store`.", "",
        f"## Append latency, one event per append ({appends} appends; lifecycle: "
        f"{max(appends // 4, 1)})", "",
        "Goal: p95 <= 1 ms on SQLite, <= 3 ms on PostgreSQL. *Statements*: what the engine "
        "executes per append (SQLite's BEGIN IMMEDIATE included; PostgreSQL's BEGIN/COMMIT not; "
        "a plain PostgreSQL append is one autocommit statement). SQLite runs WAL with "
        "synchronous=NORMAL (no fsync per commit); PostgreSQL's default synchronous_commit=on "
        "waits for a WAL flush per commit, so a second PostgreSQL arm sets it off (same "
        "durability as the SQLite arm). Bare-driver floors, same run, p50, and what opening "
        "an existing store and closing it costs (the service's per-run open when no store is "
        f"injected): {floor_text}.", "",
        LATENCY_HEADER,
    ]  # fmt: skip
    for name, r in latency:
        lines.append(
            f"| {name} | {r['p50']:.3f} | {r['p95']:.3f} | {r['mean']:.3f} | {r['statements']:.1f} "
            f"| {r['lc_p50']:.3f} | {r['lc_p95']:.3f} | {r['lc_statements']:.1f} |"
        )
    lines += ["", "## KPIs over a loaded store", "", "Goal: <= 200 ms over 100,000 events.", ""]
    lines.append(KPI_HEADER)
    for name, r in kpis:
        lines.append(
            f"| {name} | {int(r['events'])} | {r['load_s']:.1f} | {r['all_best']:.1f} "
            f"| {r['all_median']:.1f} | {r['brand_best']:.1f} | {r['brand_median']:.1f} |"
        )
    lines += ["", *notes] if notes else []
    return "\n".join(lines) + "\n"


async def driver_floor(tmp: Path, postgres: bool, rounds: int = 300) -> dict[str, float]:
    """p50 ms of a minimal append on the bare drivers: sqlite3 (BEGIN, SELECT, INSERT, UPDATE,
    COMMIT in one thread hop) and psycopg (one autocommit INSERT, WAL flush on and off)."""
    floor: dict[str, float] = {}
    lite = sqlite3.connect(tmp / "floor.sqlite3", isolation_level=None, check_same_thread=False)
    lite.execute("PRAGMA journal_mode=WAL")
    lite.execute("PRAGMA synchronous=NORMAL")
    lite.execute("CREATE TABLE h (id INTEGER PRIMARY KEY, n INTEGER)")
    lite.execute("CREATE TABLE e (k TEXT UNIQUE)")
    lite.execute("INSERT INTO h VALUES (1, 0)")

    def lite_tx(i: int) -> None:
        lite.execute("BEGIN IMMEDIATE")
        lite.execute("SELECT n FROM h WHERE id = 1").fetchall()
        lite.execute("INSERT INTO e VALUES (?) RETURNING k", (str(i),)).fetchall()
        lite.execute("UPDATE h SET n = n + 1 WHERE id = 1")
        lite.execute("COMMIT")

    times = []
    for i in range(rounds):
        started = time.perf_counter()
        await asyncio.to_thread(lite_tx, i)
        times.append((time.perf_counter() - started) * 1000)
    floor["sqlite3 + one thread hop"] = statistics.median(times)
    lite.close()
    if postgres:
        for commit in ("on", "off"):
            floor[f"psycopg async, one INSERT, synchronous_commit={commit}"] = await _pg_floor(
                commit, rounds
            )
    return floor


async def _pg_floor(synchronous_commit: str, rounds: int) -> float:
    """p50 ms of one autocommit INSERT into a real (WAL-logged) table with the bare driver."""
    schema = f"blbench_floor_{uuid.uuid4().hex[:8]}"
    async with await psycopg.AsyncConnection.connect(POSTGRES_URL, autocommit=True) as pg:
        await pg.execute(f"CREATE SCHEMA {schema}")
        try:
            await pg.execute(f"SET synchronous_commit = {synchronous_commit}")
            await pg.execute(f"CREATE TABLE {schema}.e (k text UNIQUE)")
            times = []
            for i in range(rounds):
                started = time.perf_counter()
                await pg.execute(f"INSERT INTO {schema}.e VALUES (%s)", (str(i),))
                times.append((time.perf_counter() - started) * 1000)
        finally:
            await pg.execute(f"DROP SCHEMA {schema} CASCADE")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    latency, kpis, notes, floor = asyncio.run(run(args.appends, args.events))
    report = render(latency, kpis, notes, args.appends, floor)
    print(report)
    RESULTS.write_text(report)


if __name__ == "__main__":
    main()
