"""Pinecone backend specifics (real SDK, emulator): index set-up, batching, retries, errors.

Also checks that the emulator answers the SDK's calls the way Pinecone documents.
"""

from __future__ import annotations

import uuid

import numpy as np
import orjson
import pytest
from pinecone import Pinecone
from pinecone.errors import ApiError, ConflictError, NotFoundError, UnauthorizedError

from tests.tools.memory_fixtures import (
    open_pinecone,
    record,
    start_emulator,
    unit,
)
from tools.errors import ConfigError, StoreError
from tools.memory.pinecone import MAX_BATCH_BYTES, PineconeMemoryStore, upsert_batches


@pytest.fixture(scope="module")
def pinecone_emulator():
    emulator = start_emulator()
    yield emulator
    emulator.close()


def _upserts_since(emulator, start: int) -> list[tuple[str, str, str]]:
    return [r for r in emulator.requests[start:] if r[1] == "/vectors/upsert"]


def test_missing_index_is_created_serverless_dense_cosine(pinecone_emulator) -> None:
    name = f"bl-{uuid.uuid4().hex[:8]}"
    store = open_pinecone(pinecone_emulator, 384, index_name=name, region="eu-west-1")
    created = pinecone_emulator.indexes[name]
    assert (created.dimension, created.metric) == (384, "cosine")
    assert created.deployment == {
        "deployment_type": "managed",
        "cloud": "aws",
        "region": "eu-west-1",
    }
    again = open_pinecone(pinecone_emulator, 384, index_name=name)
    assert len([i for i in pinecone_emulator.indexes if i == name]) == 1
    store.close()
    again.close()


def test_every_request_carries_the_api_version(pinecone_emulator) -> None:
    start = len(pinecone_emulator.requests)
    store = open_pinecone(pinecone_emulator)
    store.upsert("acme", [record("a")])
    store.query("acme", unit(1))
    versions = {r[2] for r in pinecone_emulator.requests[start:]}
    assert versions == {"2026-07"}
    store.close()


def test_configured_host_skips_the_control_plane(pinecone_emulator) -> None:
    first = open_pinecone(pinecone_emulator)
    host = first.host
    start = len(pinecone_emulator.requests)
    second = open_pinecone(pinecone_emulator, host=host, index_name="ignored")
    assert all(not path.startswith("/indexes") for _, path, _ in pinecone_emulator.requests[start:])
    second.upsert("acme", [record("a")])
    assert first.list_ids("acme") == ["a"]
    first.close()
    second.close()


def test_index_with_another_dimension_is_a_config_error(pinecone_emulator) -> None:
    name = f"bl-{uuid.uuid4().hex[:8]}"
    open_pinecone(pinecone_emulator, 8, index_name=name).close()
    with pytest.raises(ConfigError, match="8-dimensional"):
        open_pinecone(pinecone_emulator, 16, index_name=name)


def test_wrong_api_key_is_a_config_error_without_the_key(pinecone_emulator) -> None:
    with pytest.raises(ConfigError) as caught:
        PineconeMemoryStore(
            api_key="sk-wrong-secret", index_name="x", api_host=pinecone_emulator.url
        )
    assert "sk-wrong-secret" not in str(caught.value)
    with pytest.raises(ConfigError):
        PineconeMemoryStore(api_key="", index_name="x", api_host=pinecone_emulator.url)


def test_upserts_are_split_by_record_count(pinecone_emulator) -> None:
    store = open_pinecone(pinecone_emulator, 4)
    start = len(pinecone_emulator.requests)
    records = [record(f"r{i}", unit(i, 4)) for i in range(2500)]
    store.upsert("acme", records)
    assert len(_upserts_since(pinecone_emulator, start)) == 3
    assert store.stats().namespaces == {"acme": 2500}
    store.close()


def test_upserts_are_split_by_request_size() -> None:
    big = [
        {
            "id": f"r{i}",
            "values": unit(i, 384).astype(float).tolist(),
            "metadata": {"text": "x" * 4000},
        }
        for i in range(600)
    ]
    batches = list(upsert_batches(big))
    assert len(batches) > 1
    assert sum(len(b) for b in batches) == 600
    for batch in batches:
        body = orjson.dumps({"vectors": batch, "namespace": "acme"})  # what the SDK sends
        assert len(body) <= MAX_BATCH_BYTES
        assert len(batch) <= 1000


def test_large_real_upsert_stays_under_the_emulators_limits(pinecone_emulator) -> None:
    store = open_pinecone(pinecone_emulator, 384)
    records = [record(f"r{i}", unit(i, 384), text="word " * 800) for i in range(700)]
    store.upsert("acme", records)
    assert store.stats().namespaces == {"acme": 700}
    store.close()


@pytest.mark.parametrize("status", [429, 503])
def test_transient_failures_are_retried_beyond_the_sdks_own_retries(
    pinecone_emulator, status
) -> None:
    sleeps: list[float] = []
    store = open_pinecone(pinecone_emulator, sleep=sleeps.append)
    pinecone_emulator.fail_next(6, status=status, retry_after=0)
    store.upsert("acme", [record("a")])
    assert store.list_ids("acme") == ["a"]
    assert sleeps, "our retry layer should have backed off at least once"
    store.close()


def test_persistent_failure_is_a_store_error_and_rolls_back_created_records(
    pinecone_emulator,
) -> None:
    store = open_pinecone(pinecone_emulator, 4, max_retries=1, sleep=lambda _: None)
    store.upsert("acme", [record("r0", unit(0, 4))])
    records = [record(f"r{i}", unit(i, 4)) for i in range(1500)]
    pinecone_emulator.fail_path_after("/vectors/upsert", successes=1, count=50)
    with pytest.raises(StoreError, match="unavailable"):
        store.upsert("acme", records)
    pinecone_emulator.clear_faults()
    assert store.list_ids("acme") == ["r0"]
    store.close()


# --- the emulator answers like Pinecone -------------------------------------------------------
def test_emulator_status_codes_match_pinecones(pinecone_emulator) -> None:
    pc = Pinecone(api_key="test-key", host=pinecone_emulator.url)
    with pytest.raises(NotFoundError) as missing:
        pc.indexes.describe("no-such-index")
    assert missing.value.status_code == 404
    name = f"bl-{uuid.uuid4().hex[:8]}"
    schema = {"fields": {"_values": {"type": "dense_vector", "dimension": 3, "metric": "cosine"}}}
    deployment = {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"}
    model = pc.indexes.create(name=name, schema=schema, deployment=deployment)
    assert model.status.ready and model.host
    with pytest.raises(ConflictError) as exists:
        pc.indexes.create(name=name, schema=schema, deployment=deployment)
    assert exists.value.status_code == 409
    assert name in [i.name for i in pc.indexes.list()]
    index = pc.index(name=name)
    with pytest.raises(ApiError) as wrong_dim:
        index.upsert(vectors=[("a", [0.1, 0.2])], namespace="acme")
    assert wrong_dim.value.status_code == 400
    assert "dimension" in str(wrong_dim.value)
    pc.indexes.delete(name)
    assert not pc.indexes.exists(name)
    with pytest.raises(UnauthorizedError):
        Pinecone(api_key="bad", host=pinecone_emulator.url).indexes.describe(name)


def test_emulator_query_fetch_list_shapes_through_the_sdk(pinecone_emulator) -> None:
    pc = Pinecone(api_key="test-key", host=pinecone_emulator.url)
    name = f"bl-{uuid.uuid4().hex[:8]}"
    pc.indexes.create(
        name=name,
        dimension=2,
        metric="cosine",
        deployment={"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"},
    )
    index = pc.index(name=name)
    index.upsert(
        vectors=[
            ("a", [1.0, 0.0], {"genre": "x", "year": 2020}),
            ("b", [0.0, 1.0], {"genre": "y"}),
        ],
        namespace="ns",
    )
    result = index.query(
        vector=[1.0, 0.1],
        top_k=2,
        namespace="ns",
        include_metadata=True,
        filter={"year": {"$gte": 2019}},
    )
    assert [m.id for m in result.matches] == ["a"]
    assert result.matches[0].metadata == {"genre": "x", "year": 2020}
    assert result.matches[0].score == pytest.approx(1 / np.sqrt(1.01))
    fetched = index.fetch(ids=["a", "zz"], namespace="ns")
    assert list(fetched.vectors) == ["a"] and fetched.vectors["a"].values == [1.0, 0.0]
    pages = list(index.list(namespace="ns", limit=1))
    assert [[v.id for v in page.vectors] for page in pages] == [["a"], ["b"]]
    stats = index.describe_index_stats()
    assert stats.dimension == 2 and stats.namespaces["ns"].vector_count == 2
    with pytest.raises(NotFoundError):
        index.delete(ids=["a"], namespace="nope")
    index.delete(filter={"genre": {"$eq": "y"}}, namespace="ns")
    assert index.describe_index_stats().total_vector_count == 1
    pc.indexes.delete(name)
