"""BrandMemory: batched recall, hot tier, reviewer preferences, roles, isolation, reindex."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
import redis

from tests.tools.memory_fixtures import CountingEmbedder, start_emulator
from tools.errors import ConfigError, InputError, NotFoundError, PermissionDenied
from tools.memory import open_memory
from tools.memory.embedded import EmbeddedMemoryStore
from tools.memory.facade import BrandMemory
from tools.memory.hot import HotTier

RULES = [
    "Always write in a calm, warm voice.",
    "Never use exclamation marks.",
    "Call customers 'members', never 'users'.",
]
FACTS = ["The Aurora kettle boils a litre in 90 seconds.", "Shipping is free above 40 euros."]


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def embedder():
    return CountingEmbedder()


@pytest.fixture
def hot(redis_client):
    return HotTier(redis_client, ttl_seconds=300, prefix=f"test:{uuid.uuid4().hex}")


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def memory(tmp_path, embedder, hot, clock):
    memory = BrandMemory(
        EmbeddedMemoryStore(tmp_path / "memory"), lambda: embedder, hot, clock=clock
    )
    memory.add_texts("Acme", RULES, kind="style_rule", source="voice.md")
    memory.add_texts("Acme", FACTS, kind="fact", source="facts.md")
    yield memory
    memory.close()


def test_recall_embeds_all_queries_in_one_batch(memory, embedder) -> None:
    embedder.calls.clear()
    results = memory.recall("Acme", ["how fast is the kettle", "tone of voice"], top_k=2)
    assert len(embedder.calls) == 1 and len(embedder.calls[0]) == 2
    assert "kettle" in results[0][0].text
    assert results[1][0].kind == "style_rule"
    assert all(r.brand == "Acme" and 0 < r.score <= 1 for items in results for r in items)


def test_kinds_filter(memory) -> None:
    (items,) = memory.recall("Acme", ["kettle"], kinds=["style_rule"], top_k=5)
    assert {i.kind for i in items} == {"style_rule"} and len(items) == 3


def test_hot_tier_hit_then_invalidated_by_a_write(memory, embedder, hot, redis_client) -> None:
    first = memory.recall("Acme", ["free shipping threshold"], top_k=3)
    embedder.calls.clear()
    again = memory.recall("Acme", ["free shipping threshold"], top_k=3)
    assert embedder.calls == [] and again == first
    cached_keys = list(redis_client.scan_iter(f"{hot.prefix}:*:recall:*"))
    assert len(cached_keys) == 1 and 0 < redis_client.ttl(cached_keys[0]) <= 300
    memory.add_texts(
        "Acme", ["Shipping is free for members from 30 euros."], kind="fact", source="update.md"
    )
    after = memory.recall("Acme", ["free shipping threshold"], top_k=3)
    assert len(embedder.calls) == 2  # the write, then the recall missed the cache
    assert "30 euros" in after[0][0].text


def test_hot_tier_outage_degrades_to_uncached_recall(tmp_path, embedder, clock) -> None:
    dead = redis.Redis(unix_socket_path=str(tmp_path / "no-redis.sock"))
    memory = BrandMemory(
        EmbeddedMemoryStore(tmp_path / "m"),
        lambda: embedder,
        HotTier(dead, ttl_seconds=60),
        clock=clock,
    )
    memory.add_texts("Acme", FACTS, kind="fact", source="facts.md")
    (items,) = memory.recall("Acme", ["kettle"], top_k=1)
    assert "kettle" in items[0].text


def test_profile_is_cached_and_refreshed_after_writes(memory) -> None:
    profile = memory.profile("acme ")
    assert memory.profile("Acme") == profile
    assert len(list(memory.hot.client.scan_iter(f"{memory.hot.prefix}:*:profile"))) == 1
    assert profile.counts == {"style_rule": 3, "fact": 2, "past_asset": 0, "reviewer_preference": 0}
    assert profile.style_rules == RULES
    memory.add_texts("Acme", ["Sign off with 'Warmly, Acme'."], kind="style_rule", source="v2.md")
    assert memory.profile("Acme").counts["style_rule"] == 4


def test_remember_review_is_recalled_and_idempotent(memory) -> None:
    review = dict(
        asset_kind="social_post",
        before="Buy now!!! Huge deals!!!",
        after="Our spring range is here, whenever you're ready.",
        reason="too pushy; we never shout",
        decision="edit",
        source="t1/social_post-01@v1",
    )
    item_id = memory.remember_review("Acme", **review)
    assert memory.remember_review("Acme", **review) == item_id
    assert item_id.startswith("reviewer_preference:")
    assert memory.profile("Acme").counts["reviewer_preference"] == 1
    (items,) = memory.recall(
        "Acme", ["social_post instagram spring launch"], top_k=3, asset_kind="social_post"
    )
    (preference,) = [i for i in items if i.kind == "reviewer_preference"]
    assert preference.metadata["after"] == review["after"]
    assert preference.metadata["reason"] == review["reason"]
    assert "too pushy" in preference.text and "whenever you're ready" in preference.text
    (other_kind,) = memory.recall("Acme", ["spring launch"], top_k=3, asset_kind="newsletter")
    assert all(i.kind != "reviewer_preference" for i in other_kind)


def test_rejections_are_remembered_too(memory) -> None:
    item_id = memory.remember_review(
        "Acme",
        asset_kind="email",
        before="SALE SALE SALE",
        after="",
        reason="spammy subject",
        decision="reject",
        source="t2/email-01@v1",
    )
    (items,) = memory.recall("Acme", ["email subject line"], top_k=5)
    assert item_id in [i.item_id for i in items]


@pytest.mark.parametrize(
    "bad",
    [
        dict(decision="approve"),
        dict(after="", decision="edit"),
        dict(asset_kind=""),
        dict(before="", reason=""),
    ],
)
def test_bad_reviews_are_rejected(memory, bad) -> None:
    review = (
        dict(
            asset_kind="email",
            before="x",
            after="y",
            reason="r",
            decision="edit",
            source="t/email-01@v1",
        )
        | bad
    )
    with pytest.raises(InputError):
        memory.remember_review("Acme", **review)


def test_viewers_cannot_write(memory, tmp_path) -> None:
    viewer = memory.with_role("viewer")
    (tmp_path / "f.md").write_text("A fact.")
    attempts = [
        lambda: viewer.add_files("Acme", [tmp_path / "f.md"]),
        lambda: viewer.add_texts("Acme", ["x"], kind="fact", source="s"),
        lambda: viewer.remember_review(
            "Acme",
            asset_kind="email",
            before="a",
            after="b",
            reason="r",
            decision="edit",
            source="s",
        ),
        lambda: viewer.forget("Acme", ["fact:x"]),
        lambda: viewer.reindex(),
        lambda: memory.add_texts("Acme", ["x"], kind="fact", source="s", role="viewer"),
    ]
    before = memory.store.stats()
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert memory.store.stats() == before
    assert viewer.recall("Acme", ["kettle"], top_k=1)[0]  # viewers may read
    memory.with_role("approver").add_texts("Acme", ["Approved fact."], kind="fact", source="s")


def test_brands_are_isolated(memory) -> None:
    memory.add_texts("Globex", ["Globex kettles are loud and proud."], kind="fact", source="g.md")
    (acme,) = memory.recall("Acme", ["loud kettles"], top_k=10)
    (globex,) = memory.recall("Globex", ["loud kettles"], top_k=10)
    assert all(i.brand == "Acme" for i in acme) and "Globex" not in " ".join(i.text for i in acme)
    assert [i.text for i in globex] == ["Globex kettles are loud and proud."]


def test_unknown_brand_recalls_nothing_but_other_calls_fail_clearly(memory) -> None:
    assert memory.recall("Initech", ["anything"]) == [[]]
    with pytest.raises(NotFoundError, match="Initech"):
        memory.profile("Initech")
    with pytest.raises(NotFoundError):
        memory.forget("Initech", ["fact:x"])
    with pytest.raises(NotFoundError):
        memory.reindex("Initech")


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.recall("", ["q"]),
        lambda m: m.recall("Acme", "a bare string"),
        lambda m: m.recall("Acme", [""]),
        lambda m: m.recall("Acme", ["\u200b"]),
        lambda m: m.recall("Acme", ["q"], top_k=0),
        lambda m: m.recall("Acme", ["q"], kinds=["gossip"]),
        lambda m: m.add_texts("Acme", [], kind="fact", source="s"),
        lambda m: m.add_texts("Acme", ["\ufeff"], kind="fact", source="s"),
        lambda m: m.search("Acme", np.ones(383, dtype=np.float32)),
    ],
)
def test_bad_input_is_an_input_error_and_changes_nothing(memory, call) -> None:
    before = memory.store.stats()
    with pytest.raises(InputError):
        call(memory)
    assert memory.store.stats() == before


def test_expiring_texts_vanish_and_are_swept(memory, clock) -> None:
    memory.add_texts(
        "Acme",
        ["Flash sale ends Friday at midnight."],
        kind="fact",
        source="promo.md",
        ttl_seconds=60,
    )
    (items,) = memory.recall("Acme", ["flash sale"], top_k=1)
    assert "Flash sale" in items[0].text and items[0].expires_at is not None
    clock.now += 61
    (items,) = memory.recall("Acme", ["flash sale"], top_k=5)
    assert all("Flash sale" not in i.text for i in items)
    assert memory.store.stats().namespaces[memory.require_brand("Acme")] == 6
    memory.sweep_expired()
    assert memory.store.stats().namespaces[memory.require_brand("Acme")] == 5


def test_reindex_reembeds_items_of_another_model_version(memory, tmp_path, hot, clock) -> None:
    upgraded = CountingEmbedder(model_version="0.2.0")
    newer = BrandMemory(memory.store, lambda: upgraded, hot, clock=clock)
    progress: list[tuple[str, int, int]] = []
    assert newer.reindex(progress=lambda *a: progress.append(a)) == 5
    assert progress[-1] == ("embed", 5, 5)
    namespace = newer.require_brand("Acme")
    records = newer.store.fetch(namespace, newer.store.list_ids(namespace))
    assert {r.metadata["model_version"] for r in records.values()} == {"0.2.0"}
    assert newer.reindex() == 0
    (items,) = newer.recall("Acme", ["kettle"], top_k=1)
    assert items[0].metadata["model_version"] == "0.2.0"


def test_embedder_of_another_dimension_is_a_config_error(tmp_path) -> None:
    memory = BrandMemory(EmbeddedMemoryStore(tmp_path / "m", dimension=16), CountingEmbedder)
    with pytest.raises(ConfigError, match="384"):
        memory.recall("Acme", ["q"])


def test_open_memory_with_the_pinecone_backend(settings, redis_client) -> None:
    emulator = start_emulator()
    try:
        configured = settings.model_copy(
            update={
                "memory_backend": "pinecone",
                "pinecone_api_host": emulator.url,
                "pinecone_index": f"bl-{uuid.uuid4().hex[:8]}",
            }
        )
        configured.pinecone_api_key = __import__("pydantic").SecretStr("test-key")
        memory = open_memory(configured, redis_client)
        memory.add_texts("Acme", FACTS, kind="fact", source="facts.md")
        (items,) = memory.recall("Acme", ["kettle speed"], top_k=1)
        assert "kettle" in items[0].text
        assert emulator.indexes[configured.pinecone_index].dimension == 384
        memory.close()
    finally:
        emulator.close()
