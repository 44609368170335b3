"""Embedded backend specifics: persistence on disk, several processes sharing one folder."""

from __future__ import annotations

from tests.tools.memory_fixtures import DIM, record, unit
from tools.memory.embedded import EmbeddedMemoryStore

NOW = 1_800_000_000.0


def test_records_and_index_survive_a_reopen(tmp_path) -> None:
    store = EmbeddedMemoryStore(tmp_path, DIM)
    store.upsert("acme", [record(f"r{i}") for i in range(50)])
    before = [m.item_id for m in store.query("acme", unit(7), top_k=5, now=NOW)]
    store.close()
    assert (tmp_path / "ann" / "acme.usearch").exists()
    reopened = EmbeddedMemoryStore(tmp_path, DIM)
    assert [m.item_id for m in reopened.query("acme", unit(7), top_k=5, now=NOW)] == before
    assert reopened.stats().namespaces == {"acme": 50}
    reopened.close()


def test_a_stale_saved_index_is_rebuilt_from_the_database(tmp_path) -> None:
    store = EmbeddedMemoryStore(tmp_path, DIM)
    store.upsert("acme", [record("a", unit(1))])
    store.close()
    writer = EmbeddedMemoryStore(tmp_path, DIM)
    writer.upsert("acme", [record("b", unit(2))])
    writer._db.close()  # a crash: the saved ANN index still describes the old state
    reopened = EmbeddedMemoryStore(tmp_path, DIM)
    assert reopened.query("acme", unit(2), top_k=1, now=NOW)[0].item_id == "b"
    reopened.close()


def test_writes_by_another_instance_are_seen(tmp_path) -> None:
    reader = EmbeddedMemoryStore(tmp_path, DIM)
    writer = EmbeddedMemoryStore(tmp_path, DIM)
    reader.upsert("acme", [record("a", unit(1))])
    assert [m.item_id for m in reader.query("acme", unit(2), top_k=5, now=NOW)] == ["a"]
    writer.upsert("acme", [record("b", unit(2))])
    writer.delete("acme", ["a"])
    assert [m.item_id for m in reader.query("acme", unit(2), top_k=5, now=NOW)] == ["b"]
    reader.close()
    writer.close()
