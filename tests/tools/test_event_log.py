"""The content event log: ordered, idempotent per transition, in Redis and in memory."""

from __future__ import annotations

import uuid

import pytest
import redis

from tools.event_log import ContentEvent, InMemoryEventLog, RedisEventLog


@pytest.fixture(params=["memory", "redis"])
def log(request: pytest.FixtureRequest, redis_client: redis.Redis):
    if request.param == "memory":
        return InMemoryEventLog()
    return RedisEventLog(redis_client, prefix=f"test-events-{uuid.uuid4().hex[:8]}")


def test_transitions_are_kept_in_order_and_once(log) -> None:
    thread = f"t-{uuid.uuid4().hex[:6]}"
    draft = ContentEvent(
        thread_id=thread, asset_id="a", version=1, from_status="pending", to_status="draft"
    )
    review = ContentEvent(
        thread_id=thread, asset_id="a", version=1, from_status="draft", to_status="review"
    )
    assert log.append(draft) and log.append(review)
    assert not log.append(draft.model_copy(update={"actor": "replayed node"}))
    events = log.read(thread)
    assert [e.to_status for e in events] == ["draft", "review"]
    assert events[0].actor == ""
    assert log.read("other-thread") == []
