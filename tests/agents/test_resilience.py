"""Retries with backoff and jitter, timeouts, fallback chains and their trace events."""

from __future__ import annotations

import random

import pytest
from autogen_core.models import CreateResult, UserMessage

from agents.providers.model import ChatModel, Price
from agents.providers.resilience import CallContext, ResilientClient, RetryPolicy
from agents.providers.scripted import ScriptedModel, scripted_resolver
from agents.registry import build_specialists
from tests.agents.conftest import RecordingSleep, make_request
from tools.errors import ProviderError
from tools.settings import Settings

MESSAGES = [UserMessage(content="write", source="user")]
CONTEXT = CallContext(agent="copywriter", node="specialist", thread_id="t1", asset_id="a1")


def transient(status: int = 503, retry_after: float | None = None) -> ProviderError:
    return ProviderError(f"status {status}", status=status, retry_after=retry_after, transient=True)


def chain(*models: tuple[str, ScriptedModel]) -> list[ChatModel]:
    return [ChatModel(model_id, model) for model_id, model in models]


async def test_transient_failures_are_retried_with_growing_jittered_delays(
    policy: RetryPolicy, sleep: RecordingSleep
) -> None:
    primary = ScriptedModel([transient(), transient(), "done"])
    client = ResilientClient(chain(("scripted:writer", primary)), policy, CONTEXT)
    result = await client.create(MESSAGES)
    assert result.content == "done"
    assert [e.retries for e in client.events] == [0, 1, 2]
    assert [e.summary for e in client.events] == ["failed: status 503", "failed: status 503", "ok"]
    assert 0.5 <= sleep.delays[0] <= 1.0 and 1.0 <= sleep.delays[1] <= 2.0
    assert all(e.model_id == "scripted:writer" and e.agent == "copywriter" for e in client.events)


async def test_retry_after_is_honoured_up_to_the_cap(
    policy: RetryPolicy, sleep: RecordingSleep
) -> None:
    primary = ScriptedModel([transient(429, retry_after=5.0), transient(429, retry_after=60), "ok"])
    client = ResilientClient(chain(("scripted:writer", primary)), policy, CONTEXT)
    await client.create(MESSAGES)
    assert sleep.delays == [5.0, policy.max_delay_s]


async def test_after_retries_the_next_model_in_the_chain_answers(
    policy: RetryPolicy, sleep: RecordingSleep
) -> None:
    primary = ScriptedModel([transient()] * 3)
    backup = ScriptedModel(["from backup"])
    models = chain(("scripted:writer", primary), ("scripted:backup", backup))
    client = ResilientClient(models, policy, CONTEXT)
    assert (await client.create(MESSAGES)).content == "from backup"
    assert [e.model_id for e in client.events] == ["scripted:writer"] * 3 + ["scripted:backup"]
    assert len(sleep.delays) == 2  # no backoff before switching models


async def test_non_transient_failures_skip_retries(
    policy: RetryPolicy, sleep: RecordingSleep
) -> None:
    primary = ScriptedModel([ProviderError("bad request", status=400)])
    backup = ScriptedModel(["ok"])
    client = ResilientClient(
        chain(("scripted:writer", primary), ("scripted:backup", backup)), policy, CONTEXT
    )
    assert (await client.create(MESSAGES)).content == "ok"
    assert sleep.delays == []
    assert [e.summary for e in client.events] == ["failed: bad request", "ok"]


async def test_a_slow_model_times_out_as_a_transient_failure(sleep: RecordingSleep) -> None:
    policy = RetryPolicy(max_retries=1, timeout_s=0.05, sleep=sleep, rng=random.Random(1))
    slow = ScriptedModel(["late", "late again"], latency_s=5.0)
    backup = ScriptedModel(["on time"])
    models = chain(("scripted:writer", slow), ("scripted:backup", backup))
    client = ResilientClient(models, policy, CONTEXT)
    assert (await client.create(MESSAGES)).content == "on time"
    assert [e.summary for e in client.events][:2] == ["failed: no answer within 0.05s"] * 2


async def test_bugs_are_not_retried_or_hidden(policy: RetryPolicy) -> None:
    broken = ScriptedModel([ValueError("a bug")])
    client = ResilientClient(chain(("scripted:writer", broken)), policy, CONTEXT)
    with pytest.raises(ValueError, match="a bug"):
        await client.create(MESSAGES)


async def test_cost_comes_from_the_price_table(policy: RetryPolicy) -> None:
    priced = ChatModel("openai:priced", ScriptedModel(["four words right here"]), Price(1.0, 2.0))
    client = ResilientClient([priced], policy, CONTEXT)
    await client.create([UserMessage(content="one two", source="user")])
    event = client.events[0]
    assert (event.prompt_tokens, event.completion_tokens) == (2, 4)
    assert event.cost_usd == pytest.approx((2 * 1.0 + 4 * 2.0) / 1_000_000)


def test_delays_double_and_stay_within_the_cap() -> None:
    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=6.0, rng=random.Random(3))
    for retry, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 6.0), (9, 6.0)]:
        assert ceiling / 2 <= policy.delay_s(retry, None) <= ceiling


async def test_when_every_model_fails_the_specialist_returns_a_failed_draft(
    scripted_settings: Settings, policy: RetryPolicy, sleep: RecordingSleep
) -> None:
    writer = ScriptedModel([transient()] * 3)
    backup = ScriptedModel([transient(500)] * 3)
    resolver = scripted_resolver(
        {"scripted:writer": writer, "scripted:backup": backup, "scripted:critic": ScriptedModel([])}
    )
    specialists = build_specialists(scripted_settings, resolver, policy=policy)
    tokens: list[str] = []
    result = await specialists["social_post"].draft(make_request(), tokens.append)
    assert result.failed and result.text == ""
    assert "every model failed" in result.error and "scripted:backup" in result.error
    assert len(result.events) == 6
    assert all(e.kind == "model_call" and e.summary.startswith("failed") for e in result.events)
    assert [e.retries for e in result.events] == [0, 1, 2, 0, 1, 2]
    assert all(e.memory_item_ids == ["mem-1", "mem-2"] for e in result.events)
    assert len(sleep.delays) == 4 and tokens == []
    assert writer.remaining == 0 and backup.remaining == 0


class CutOffModel(ScriptedModel):
    """Its first answer ends with no text and no finish reason (a dropped stream)."""

    async def _stream(self, messages, options):
        async for item in super()._stream(messages, options):
            if isinstance(item, CreateResult) and item.content == "":
                item = item.model_copy(update={"finish_reason": "unknown"})
            yield item


async def test_a_stream_cut_off_before_any_text_is_retried(policy: RetryPolicy) -> None:
    model = CutOffModel(["", "the full answer"])
    client = ResilientClient(chain(("scripted:writer", model)), policy, CONTEXT)
    assert (await client.create(MESSAGES)).content == "the full answer"
    assert [e.summary for e in client.events] == [
        "failed: the answer was cut off before any text",
        "ok",
    ]
