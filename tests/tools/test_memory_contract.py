"""One contract suite for every MemoryStore: exact reference, embedded (usearch) and Pinecone.

The Pinecone backend runs the real ``pinecone`` SDK against ``tests/fakes/pinecone_emulator.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.tools.memory_fixtures import (
    BACKENDS,
    DIM,
    make_store,
    meta,
    record,
    start_emulator,
    unit,
)
from tools.errors import InputError
from tools.memory.base import MemoryStore, VectorRecord
from tools.memory.exact import ExactMemoryStore

NOW = 1_800_000_000.0


@pytest.fixture(scope="module")
def pinecone_emulator():
    emulator = start_emulator()
    yield emulator
    emulator.close()


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path, pinecone_emulator) -> MemoryStore:
    backend = make_store(request.param, tmp_path, pinecone_emulator)
    yield backend
    backend.close()


def test_query_returns_nearest_first_with_cosine_scores(store) -> None:
    target = unit(1)
    near = target + 0.1 * unit(2)
    store.upsert("acme", [record("far", -target), record("near", near), record("same", target)])
    found = store.query("acme", target, top_k=3, now=NOW)
    assert [m.item_id for m in found] == ["same", "near", "far"]
    assert found[0].score == pytest.approx(1.0, abs=1e-4)
    expected_near = float(near @ target / np.linalg.norm(near))
    assert found[1].score == pytest.approx(expected_near, abs=1e-4)
    assert found[2].score == pytest.approx(-1.0, abs=1e-4)
    assert found[0].metadata["text"] == "some text"


def test_top_k_limits_and_empty_namespace(store) -> None:
    store.upsert("acme", [record(f"item-{i}") for i in range(8)])
    assert len(store.query("acme", unit(0), top_k=3, now=NOW)) == 3
    assert store.query("nobody", unit(0), top_k=3, now=NOW) == []


def test_upsert_replaces_an_existing_id(store) -> None:
    store.upsert("acme", [record("a", text="old")])
    store.upsert("acme", [record("a", text="new")])
    assert store.fetch("acme", ["a"], now=NOW)["a"].metadata["text"] == "new"
    assert store.stats().namespaces == {"acme": 1}


@pytest.mark.parametrize(
    ("metadata_filter", "expected"),
    [
        ({"kind": "style_rule"}, {"s1", "s2"}),
        ({"kind": {"$eq": "fact"}}, {"f1", "f2"}),
        ({"kind": {"$ne": "fact"}}, {"s1", "s2", "p1"}),
        ({"kind": {"$in": ["fact", "past_asset"]}}, {"f1", "f2", "p1"}),
        ({"kind": {"$nin": ["fact", "past_asset"]}}, {"s1", "s2"}),
        ({"rank": {"$gt": 2}}, {"f2", "p1"}),
        ({"rank": {"$gte": 2}}, {"s2", "f2", "p1"}),
        ({"rank": {"$lt": 2}}, {"s1", "f1"}),
        ({"rank": {"$lte": 1}}, {"s1", "f1"}),
        ({"$and": [{"kind": "fact"}, {"rank": {"$gte": 2}}]}, {"f2"}),
        ({"$or": [{"kind": "past_asset"}, {"rank": 1, "kind": "fact"}]}, {"p1", "f1"}),
        ({"tags": "spring"}, {"s1", "p1"}),
        ({"tags": {"$in": ["winter"]}}, {"f2"}),
    ],
)
def test_metadata_filters(store, metadata_filter, expected) -> None:
    store.upsert(
        "acme",
        [
            record("s1", kind="style_rule", rank=1, tags=["spring", "tone"]),
            record("s2", kind="style_rule", rank=2, tags=["tone"]),
            record("f1", kind="fact", rank=1, tags=[]),
            record("f2", kind="fact", rank=3, tags=["winter"]),
            record("p1", kind="past_asset", rank=4, tags=["spring"]),
        ],
    )
    found = store.query("acme", unit(9), top_k=10, metadata_filter=metadata_filter, now=NOW)
    assert {m.item_id for m in found} == expected


def test_filtered_ranking_agrees_with_exact_search(store) -> None:
    reference = ExactMemoryStore(DIM)
    records = [
        record(f"r{i}", kind="fact" if i % 7 == 0 else "past_asset", rank=i) for i in range(300)
    ]
    for target in (store, reference):
        target.upsert("acme", records)
    for query_seed in range(5):
        query = unit(1000 + query_seed)
        for flt in (None, {"kind": "fact"}, {"rank": {"$lt": 20}}):
            got = store.query("acme", query, top_k=5, metadata_filter=flt, now=NOW)
            want = reference.query("acme", query, top_k=5, metadata_filter=flt, now=NOW)
            assert [m.item_id for m in got] == [m.item_id for m in want]


def test_fetch_returns_vectors_and_metadata_and_skips_missing(store) -> None:
    vector = unit(5)
    store.upsert("acme", [record("a", vector, source="guide.md")])
    found = store.fetch("acme", ["a", "missing"], now=NOW)
    assert set(found) == {"a"}
    np.testing.assert_allclose(found["a"].vector, vector, atol=1e-6)
    assert found["a"].metadata["source"] == "guide.md"
    assert store.fetch("acme", [], now=NOW) == {}


def test_delete_by_ids_by_filter_and_whole_namespace(store) -> None:
    store.upsert("acme", [record("a"), record("b", kind="style_rule"), record("c")])
    store.upsert("other", [record("x")])
    store.delete("acme", ["a", "never-existed"])
    assert store.list_ids("acme") == ["b", "c"]
    store.delete_where("acme", {"kind": "style_rule"})
    assert store.list_ids("acme") == ["c"]
    store.delete_namespace("acme")
    assert store.list_ids("acme") == []
    assert store.stats().namespaces == {"other": 1}
    store.delete_namespace("never-existed")


def test_list_ids_with_prefix_across_pages(store) -> None:
    store.upsert("acme", [record(f"fact:{i:03d}") for i in range(230)])
    store.upsert("acme", [record("style:1")])
    listed = store.list_ids("acme", prefix="fact:")
    assert listed == [f"fact:{i:03d}" for i in range(230)]
    assert store.list_ids("acme") == [*listed, "style:1"]


def test_expired_items_are_never_returned_and_are_swept(store) -> None:
    store.upsert(
        "acme",
        [record("old", unit(1), expires_at=NOW - 1), record("live", unit(2), expires_at=NOW + 60)],
    )
    assert [m.item_id for m in store.query("acme", unit(1), top_k=5, now=NOW)] == ["live"]
    assert set(store.fetch("acme", ["old", "live"], now=NOW)) == {"live"}
    assert store.stats().namespaces == {"acme": 2}
    store.sweep_expired("acme", now=NOW)
    assert store.list_ids("acme") == ["live"]
    assert store.query("acme", unit(1), top_k=5, now=NOW + 61) == []


def test_namespaces_are_isolated(store) -> None:
    shared = unit(3)
    store.upsert("acme", [record("acme-item", shared)])
    store.upsert("globex", [record("globex-item", shared)])
    assert [m.item_id for m in store.query("acme", shared, top_k=5, now=NOW)] == ["acme-item"]
    assert store.fetch("globex", ["acme-item"], now=NOW) == {}
    assert store.stats().namespaces == {"acme": 1, "globex": 1}


@pytest.mark.parametrize(
    "bad",
    [
        VectorRecord("wrong-dim", np.ones(DIM + 1, dtype=np.float32), meta()),
        VectorRecord("nan", np.full(DIM, np.nan, dtype=np.float32), meta()),
        VectorRecord("no-meta", unit(1), {"kind": "fact"}),
        VectorRecord("bad-kind", unit(1), meta(kind="gossip")),
        VectorRecord("bad-value", unit(1), meta(extra={"nested": 1})),
        VectorRecord("", unit(1), meta()),
    ],
    ids=["wrong-dim", "nan", "no-meta", "bad-kind", "bad-value", "empty-id"],
)
def test_a_bad_record_rejects_the_whole_batch(store, bad) -> None:
    store.upsert("acme", [record("existing")])
    with pytest.raises(InputError):
        store.upsert("acme", [record("good-1"), bad, record("good-2")])
    assert store.list_ids("acme") == ["existing"]


def test_bad_queries_are_input_errors(store) -> None:
    with pytest.raises(InputError, match="dimension"):
        store.query("acme", np.ones(DIM - 1, dtype=np.float32), now=NOW)
    with pytest.raises(InputError, match="top_k"):
        store.query("acme", unit(1), top_k=0, now=NOW)
    with pytest.raises(InputError, match="namespace"):
        store.query("", unit(1), now=NOW)
    with pytest.raises(InputError):
        store.delete_where("acme", {})


def test_kind_filters_follow_replacements_and_deletes(store) -> None:
    store.upsert("acme", [record("a", kind="style_rule"), record("b", kind="style_rule")])
    store.upsert("acme", [record("a", kind="fact")])
    store.delete("acme", ["b"])
    rules = store.query("acme", unit(1), top_k=5, metadata_filter={"kind": "style_rule"}, now=NOW)
    facts = store.query("acme", unit(1), top_k=5, metadata_filter={"kind": "fact"}, now=NOW)
    assert rules == [] and [m.item_id for m in facts] == ["a"]
