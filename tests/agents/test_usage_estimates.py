"""Usage and cost never silently become zero: a response without usage is counted locally and
marked estimated; a model with no price is marked so the run can say budgets are not enforced."""

from __future__ import annotations

from pathlib import Path

import pytest
from autogen_core.models import CreateResult, RequestUsage, SystemMessage, UserMessage

from agents.providers.factory import resolve_model
from agents.providers.local import gguf_token_counter, shipped_model_named
from agents.providers.model import ChatModel, Price, chars_per_token_estimate
from agents.providers.openai import token_counter_for
from agents.providers.resilience import CallContext, ResilientClient, RetryPolicy
from agents.providers.scripted import ScriptedModel
from agents.providers.tokens import count_openai_tokens, estimate_usage
from agents.registry import build_specialists
from tests.agents.conftest import RecordingSleep, make_request
from tests.agents.test_openai_provider import openai_settings, quick_policy, stream_reply
from tests.fakes.loopback_http import LoopbackServer, Reply
from tools.settings import Settings

CONTEXT = CallContext(agent="copywriter", node="draft", thread_id="t1", asset_id="a1")
WORDS = ["TITLE: Hi", "\nBODY:", " Spring", " linen", " is", " here."]


def stream_without_usage(words: list[str]) -> Reply:
    """What llama-cpp-python's server sends: chunks, a finish reason, no usage chunk."""
    reply = stream_reply(words)
    return Reply(sse_events=[e for e in reply.sse_events if "usage" not in e])


def test_openai_tokens_are_counted_offline_with_tiktoken() -> None:
    # cl100k_base: "Spring linen is here." -> Spring / linen / is / here / .
    assert count_openai_tokens("Spring linen is here.") == 5
    assert count_openai_tokens("") == 0
    assert count_openai_tokens("<|endoftext|>") > 1  # special tokens are text here, not errors


def test_each_model_name_gets_the_best_counter_available() -> None:
    assert token_counter_for("gpt-4.1-mini") is count_openai_tokens
    assert token_counter_for("o3-mini") is count_openai_tokens
    assert token_counter_for("mistral-7b-instruct") is chars_per_token_estimate
    smol = token_counter_for("smollm2")
    assert smol is not chars_per_token_estimate and smol("Spring linen") > 0


@pytest.mark.parametrize(
    ("served", "shipped"),
    [
        ("smollm2", "smollm2-135m"),
        ("SmolLM2-135M-Instruct", "smollm2-135m"),
        ("/models/SmolLM2-135M-Instruct.Q4_1.gguf", "smollm2-135m"),
        ("smollm", None),
        ("llama-3-8b", None),
        ("", None),
    ],
)
def test_a_served_model_name_is_matched_to_the_gguf_we_ship(served: str, shipped: str) -> None:
    assert shipped_model_named(served) == shipped


@pytest.mark.parametrize(
    ("text", "tokens"),
    [("", 0), ("Spring linen is here.", 5), ("a a a a a a a a", 8), ("春のリネン", 8)],
)
def test_the_gguf_tokenizer_counts_its_own_tokens(text: str, tokens: int) -> None:
    # SmolLM2's BPE: one token per short word, several per CJK character (chars/4 says 4, 2)
    assert gguf_token_counter("smollm2-135m")(text) == tokens


def test_estimated_prompt_includes_chat_overhead() -> None:
    messages = [
        SystemMessage(content="You write copy."),
        UserMessage(content="Spring linen is here.", source="user"),
    ]
    usage = estimate_usage(count_openai_tokens, messages, "Light and soft.")
    assert usage == RequestUsage(prompt_tokens=4 + 5 + 2 * 3 + 3, completion_tokens=4)


async def test_a_stream_without_usage_is_counted_locally_and_marked(
    tmp_path: Path, sleep: RecordingSleep
) -> None:
    with LoopbackServer([stream_without_usage(WORDS)]) as server:
        specialists = build_specialists(
            openai_settings(tmp_path, server), policy=quick_policy(sleep)
        )
        result = await specialists["newsletter"].draft(make_request())
    assert not result.failed and result.text == "Spring linen is here."
    [event] = result.events
    assert event.usage_estimated and not event.price_unknown
    assert event.completion_tokens == count_openai_tokens("".join(WORDS))
    assert event.prompt_tokens > 100  # system prompt, task, brand memory
    assert event.cost_usd == pytest.approx(
        (event.prompt_tokens * 0.40 + event.completion_tokens * 1.60) / 1_000_000
    )


async def test_reported_usage_is_kept_and_not_marked(tmp_path: Path, sleep: RecordingSleep) -> None:
    with LoopbackServer([stream_reply(WORDS, prompt_tokens=42)]) as server:
        specialists = build_specialists(
            openai_settings(tmp_path, server), policy=quick_policy(sleep)
        )
        result = await specialists["newsletter"].draft(make_request())
    [event] = result.events
    assert (event.prompt_tokens, event.completion_tokens) == (42, len(WORDS))
    assert not event.usage_estimated


async def test_a_self_hosted_model_without_price_is_marked(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    model = resolve_model("openai:smollm2", settings)
    assert model.price.known is False
    scripted = ChatModel("openai:smollm2", ScriptedModel(["Light and soft."]), model.price)
    client = ResilientClient([scripted], RetryPolicy(max_retries=0), CONTEXT)
    await client.create([UserMessage(content="write", source="user")])
    [event] = client.events
    assert event.price_unknown and event.cost_usd == 0.0 and not event.usage_estimated


class SilentUsageModel(ScriptedModel):
    """A scripted model whose results carry no usage (as AutoGen reports a usage-less stream)."""

    async def _stream(self, messages, options):
        async for item in super()._stream(messages, options):
            if isinstance(item, CreateResult):
                item = item.model_copy(update={"usage": RequestUsage(0, 0)})
            yield item


async def test_any_provider_without_usage_falls_back_to_four_chars_per_token() -> None:
    model = ChatModel("gemini:new-model", SilentUsageModel(["x" * 40]), Price(1.0, 1.0))
    client = ResilientClient([model], RetryPolicy(max_retries=0), CONTEXT)
    result = await client.create([UserMessage(content="y" * 80, source="user")])
    assert result.usage == RequestUsage(prompt_tokens=20 + 3 + 3, completion_tokens=10)
    [event] = client.events
    assert event.usage_estimated and event.cost_usd > 0
