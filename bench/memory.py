"""Brand-memory benchmark: embedder throughput, ANN library choice, recall latency and quality.

Run: ``.venv/bin/python -m bench.memory [--quick]``; writes ``bench/results/memory.md``.

1. Embedding throughput of ``tools.embeddings.Embedder`` against a plain transformers loop
   (tokenize, forward, mean-pool, normalize) on the same texts and batch size. Goal: within 10%.
2. usearch vs hnswlib vs faiss (HNSW, same M / efConstruction / efSearch): build time, query
   p50/p95, recall@10 against exact search, size on disk.
3. The embedded store (SQLite + usearch) at 10k and 100k vectors: ``recall`` latency p50/p95
   cold (query embedded, index searched) and from the Redis hot tier, the raw store query, and
   recall@10 against exact search. Goal: p95 under 20 ms at 100k, recall@10 >= 0.95.

Vectors: real MiniLM embeddings of generated brand sentences, padded to size with random
normalized vectors (random vectors carry no structure; the recall sample uses the real ones).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
import redis
import torch
from numpy.typing import NDArray

from tools.embeddings import Embedder, get_embedder
from tools.memory.base import NEVER, VectorRecord
from tools.memory.embedded import EmbeddedMemoryStore, HnswParams
from tools.memory.facade import BrandMemory
from tools.memory.hot import HotTier
from tools.memory.items import brand_namespace
from tools.redis_server import EmbeddedRedis

RESULTS = Path(__file__).parent / "results" / "memory.md"
PARAMS = HnswParams()
T = TypeVar("T")
LATENCY_QUERIES = 40
"""Queries timed through ``recall`` (each cold one embeds its text: the slow part)."""
BRAND = "Bench"
NAMESPACE = brand_namespace(BRAND)
Vectors = NDArray[np.float32]

_PRODUCTS = [
    "kettle",
    "toaster",
    "blender",
    "coffee grinder",
    "rice cooker",
    "air fryer",
    "stand mixer",
    "water filter",
    "juicer",
    "espresso machine",
]
_ASPECTS = [
    "boils fast",
    "is whisper quiet",
    "is made of recycled steel",
    "has a five year warranty",
    "ships free above 40 euros",
    "comes in three colours",
    "saves energy",
    "is easy to clean",
    "fits small kitchens",
    "won a design award",
]
_FRAMES = [
    "Our {p} {a}.",
    "Tell members that the {p} {a}.",
    "Spring campaign: the {p} {a}!",
    "Style note: when the {p} {a}, say it plainly.",
    "FAQ — does the {p} {a}? Yes.",
    "Newsletter intro about why the {p} {a} and what that means at breakfast.",
]


def brand_texts(count: int, seed: int = 7) -> list[str]:
    """Varied brand-like sentences (product x aspect x frame, with a numbered detail)."""
    rng = random.Random(seed)
    combos = list(itertools.product(_FRAMES, _PRODUCTS, _ASPECTS))
    rng.shuffle(combos)
    return [
        f"{frame.format(p=p, a=a)} Detail {i}: batch {rng.randint(1, 999)}."
        for i, (frame, p, a) in zip(range(count), itertools.cycle(combos), strict=False)
    ]


def percentiles(samples_ms: Sequence[float]) -> tuple[float, float]:
    return float(np.percentile(samples_ms, 50)), float(np.percentile(samples_ms, 95))


def time_each(run: Callable[[T], object], items: Sequence[T]) -> list[float]:
    """Milliseconds of ``run(item)`` for each item."""
    out = []
    for item in items:
        start = time.perf_counter()
        run(item)
        out.append((time.perf_counter() - start) * 1000)
    return out


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        out.append((time.perf_counter() - start) * 1000)
    return out


# --- 1. embedding throughput -----------------------------------------------------------------
def raw_transformers_embed(embedder: Embedder, texts: list[str], batch_size: int) -> Vectors:
    """The straightforward transformers computation (no sorting by length)."""
    parts = []
    for start in range(0, len(texts), batch_size):
        enc = embedder.tokenizer(
            texts[start : start + batch_size],
            padding=True,
            truncation=True,
            max_length=256,
            return_tensors="pt",
        )
        with torch.inference_mode():
            hidden = embedder.model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        parts.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
    return np.concatenate(parts)


def bench_embedding(embedder: Embedder, texts: list[str], rounds: int) -> list[str]:
    batch = 32
    ours, raw = [], []
    for _ in range(rounds):  # interleaved so load drifts hit both arms
        ours.append(min(timed(lambda: embedder.embed(texts, batch_size=batch), 1)))
        raw.append(min(timed(lambda: raw_transformers_embed(embedder, texts, batch), 1)))
    ours_rate, raw_rate = len(texts) / (min(ours) / 1000), len(texts) / (min(raw) / 1000)
    same = np.abs(embedder.embed(texts[:64]) - raw_transformers_embed(embedder, texts[:64], batch))
    return [
        f"## Embedding throughput ({len(texts)} texts, batch {batch}, best of {rounds})",
        "",
        "| arm | texts/s |",
        "|---|---|",
        f"| Embedder.embed | {ours_rate:.1f} |",
        f"| raw transformers | {raw_rate:.1f} |",
        "",
        f"Embedder / raw = {ours_rate / raw_rate:.2f} (goal >= 0.90); max abs difference of the "
        f"vectors {same.max():.1e}.",
        "",
    ]


# --- 2. ANN libraries ------------------------------------------------------------------------
def exact_top(base: Vectors, queries: Vectors, k: int) -> NDArray[np.int64]:
    scores = queries @ base.T
    return np.argsort(-scores, axis=1)[:, :k]


def recall_at(found: Sequence[Sequence[int]], truth: NDArray[np.int64]) -> float:
    hits = sum(len(set(map(int, f)) & set(map(int, t))) for f, t in zip(found, truth, strict=True))
    return hits / truth.size


def ann_usearch(base: Vectors, folder: Path) -> tuple[Callable[[Vectors], list[list[int]]], int]:
    from usearch.index import Index

    index = Index(
        ndim=base.shape[1],
        metric="cos",
        dtype="f32",
        connectivity=PARAMS.connectivity,
        expansion_add=PARAMS.expansion_add,
        expansion_search=PARAMS.expansion_search,
    )
    index.add(np.arange(len(base), dtype=np.uint64), base)
    index.save(str(folder / "u.usearch"))
    return (lambda q: [list(map(int, index.search(v, 10).keys)) for v in q]), (
        folder / "u.usearch"
    ).stat().st_size


def ann_hnswlib(base: Vectors, folder: Path) -> tuple[Callable[[Vectors], list[list[int]]], int]:
    import hnswlib

    index = hnswlib.Index(space="cosine", dim=base.shape[1])
    index.init_index(
        max_elements=len(base), ef_construction=PARAMS.expansion_add, M=PARAMS.connectivity
    )
    index.add_items(base, np.arange(len(base)))
    index.set_ef(PARAMS.expansion_search)
    index.save_index(str(folder / "h.bin"))
    return (lambda q: [list(map(int, index.knn_query(v, k=10)[0][0])) for v in q]), (
        folder / "h.bin"
    ).stat().st_size


def ann_faiss(base: Vectors, folder: Path) -> tuple[Callable[[Vectors], list[list[int]]], int]:
    import faiss

    index = faiss.IndexHNSWFlat(base.shape[1], PARAMS.connectivity, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = PARAMS.expansion_add
    index.hnsw.efSearch = PARAMS.expansion_search
    index.add(base)
    faiss.write_index(index, str(folder / "f.index"))
    return (lambda q: [list(map(int, index.search(v[None, :], 10)[1][0])) for v in q]), (
        folder / "f.index"
    ).stat().st_size


def bench_libraries(base: Vectors, queries: Vectors) -> list[str]:
    truth = exact_top(base, queries, 10)
    rows = []
    for name, build in (("usearch", ann_usearch), ("hnswlib", ann_hnswlib), ("faiss", ann_faiss)):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            search, size = build(base, Path(folder))
            build_s = time.perf_counter() - start
            found = search(queries)
            lat = time_each(lambda v: search(v[None, :]), list(queries))  # noqa: B023
        p50, p95 = percentiles(lat)
        rows.append(
            f"| {name} | {build_s:.1f} | {p50:.2f} | {p95:.2f} | "
            f"{recall_at(found, truth):.3f} | {size / 2**20:.1f} |"
        )
    return [
        f"## ANN libraries ({len(base):,} vectors, {len(queries)} real queries, "
        f"M={PARAMS.connectivity}, "
        f"efConstruction={PARAMS.expansion_add}, efSearch={PARAMS.expansion_search})",
        "",
        "| library | build s | p50 ms | p95 ms | recall@10 | size MB |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        "The embedded backend uses usearch: recall on par with the others and latency far under "
        "the goal, it removes items in place, saves one file per namespace, and it is actively "
        "maintained (hnswlib's latest release, 0.8.0, dates from 2023; faiss' HNSW index does not "
        "support removing items).",
        "",
    ]


# --- 3. the embedded store with and without the hot tier --------------------------------------
def filled_store(folder: Path, base: Vectors, texts: list[str]) -> EmbeddedMemoryStore:
    store = EmbeddedMemoryStore(folder, base.shape[1], PARAMS)
    now = time.time()
    for start in range(0, len(base), 10_000):
        store.upsert(
            NAMESPACE,
            [
                VectorRecord(
                    f"fact:{i}",
                    base[i],
                    {
                        "kind": "fact",
                        "source": "bench",
                        "text": texts[i] if i < len(texts) else f"v{i}",
                        "created_at": now,
                        "expires_at": NEVER,
                        "model_id": "m",
                        "model_version": "1",
                    },
                )
                for i in range(start, min(start + 10_000, len(base)))
            ],
        )
    return store


def bench_store(
    size: int,
    real: Vectors,
    real_texts: list[str],
    query_texts: list[str],
    embedder: Embedder,
    redis_url: str,
    rng: np.random.Generator,
) -> str:
    filler = rng.standard_normal((size - len(real), real.shape[1])).astype(np.float32)
    base = np.concatenate([real, filler / np.linalg.norm(filler, axis=1, keepdims=True)])
    queries = embedder.embed(query_texts)
    latency_texts = query_texts[:LATENCY_QUERIES]
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        store = filled_store(Path(folder), base, real_texts)
        build_s = time.perf_counter() - start
        found = [
            [int(m.item_id.split(":")[1]) for m in store.query(NAMESPACE, q, top_k=10)]
            for q in queries
        ]
        recall = recall_at(found, exact_top(base, queries, 10))
        raw = time_each(lambda q: store.query(NAMESPACE, q, top_k=5), list(queries))
        hot = HotTier(
            redis.Redis.from_url(redis_url), ttl_seconds=600, prefix=f"bench:{uuid.uuid4().hex}"
        )
        memory = BrandMemory(store, lambda: embedder, hot)
        embed_one = time_each(lambda t: embedder.embed([t]), latency_texts)
        cold = time_each(lambda t: memory.recall(BRAND, [t]), latency_texts)
        warm = time_each(lambda t: memory.recall(BRAND, [t]), latency_texts)
        store.close()
    (r50, r95), (c50, c95), (w50, w95) = percentiles(raw), percentiles(cold), percentiles(warm)
    e50, e95 = percentiles(embed_one)
    return (
        f"| {size:,} | {build_s:.0f} | {r50:.2f} / {r95:.2f} | {e50:.2f} / {e95:.2f} | "
        f"{c50:.2f} / {c95:.2f} | "
        f"{w50:.2f} / {w95:.2f} | {recall:.3f} |"
    )


def _shown(section: list[str]) -> list[str]:
    """Print a finished section at once (a full run takes minutes)."""
    print("\n".join(section), flush=True)
    return section


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    sizes = (2_000, 5_000) if args.quick else (10_000, 100_000)
    n_real, n_queries = (400, 40) if args.quick else (600, 100)
    rng = np.random.default_rng(0)
    embedder = get_embedder()
    texts = brand_texts(n_real + n_queries)
    lines = [
        "# Brand memory benchmark",
        "",
        f"`python -m bench.memory{' --quick' if args.quick else ''}`, "
        f"torch threads {torch.get_num_threads()}, load average at start "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other jobs share the machine: "
        "compare arms of one run, not runs).",
        "",
    ]
    lines += _shown(bench_embedding(embedder, texts[:96], rounds=3))
    real = embedder.embed(texts[:n_real])
    query_texts = texts[n_real:]
    queries = embedder.embed(query_texts)
    lib_size = sizes[0]
    filler = rng.standard_normal((lib_size - n_real, real.shape[1])).astype(np.float32)
    lib_base = np.concatenate([real, filler / np.linalg.norm(filler, axis=1, keepdims=True)])
    lines += _shown(bench_libraries(lib_base, queries))
    with tempfile.TemporaryDirectory() as redis_dir:
        server = EmbeddedRedis(Path(redis_dir))
        url = server.start()
        rows = [
            _shown([bench_store(n, real, texts[:n_real], query_texts, embedder, url, rng)])[0]
            for n in sizes
        ]
        server.stop()
    lines += [
        "## Embedded store (SQLite + usearch): latency in ms, p50 / p95",
        "",
        "| vectors | build s | store.query | embed 1 query | recall, cold (embed + search) "
        "| recall, hot tier hit "
        "| recall@10 vs exact |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Goals: p95 under 20 ms at 100k (hot tier and raw store query); recall@10 >= 0.95. "
        "A cold recall is one query embedding plus two store queries (items, reviewer "
        "preferences).",
        "",
    ]
    report = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)
    print("\n" + report)


if __name__ == "__main__":
    main()
