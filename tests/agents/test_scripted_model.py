"""The scripted model: ordered answers, function scripts, raising when it runs out."""

from __future__ import annotations

import pytest
from autogen_core.models import CreateResult, SystemMessage, UserMessage

from agents.providers.scripted import ScriptedModel, ScriptExhausted, scripted_resolver
from agents.registry import build_specialists
from tests.agents.conftest import make_request
from tools.errors import ConfigError, ProviderError
from tools.settings import Settings

MESSAGES = [SystemMessage(content="be brief"), UserMessage(content="say hi to all", source="user")]


async def test_answers_in_order_stream_words_and_count_usage() -> None:
    model = ScriptedModel(["hello there world", "second"])
    chunks = [item async for item in model.create_stream(MESSAGES)]
    assert "".join(c for c in chunks if isinstance(c, str)) == "hello there world"
    result = chunks[-1]
    assert isinstance(result, CreateResult)
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (6, 3)
    assert (await model.create(MESSAGES)).content == "second"
    assert model.remaining == 0
    assert len(model.calls) == 2


async def test_raises_when_it_runs_out() -> None:
    model = ScriptedModel(["only one"])
    await model.create(MESSAGES)
    with pytest.raises(ScriptExhausted, match="called 2 times but only 1 answers"):
        await model.create(MESSAGES)


async def test_scripted_exceptions_are_raised_in_turn() -> None:
    model = ScriptedModel([ProviderError("busy", transient=True), "ok"])
    with pytest.raises(ProviderError, match="busy"):
        await model.create(MESSAGES)
    assert (await model.create(MESSAGES)).content == "ok"


async def test_function_script_sees_the_messages() -> None:
    model = ScriptedModel(lambda messages: f"{len(messages)} messages")
    assert (await model.create(MESSAGES)).content == "2 messages"
    assert (await model.create(MESSAGES[:1])).content == "1 messages"


async def test_an_unexpected_extra_call_fails_the_draft_loudly(scripted_settings: Settings) -> None:
    models = {"scripted:writer": ScriptedModel([]), "scripted:backup": ScriptedModel([])}
    models["scripted:critic"] = ScriptedModel([])
    specialists = build_specialists(scripted_settings, scripted_resolver(models))
    with pytest.raises(ScriptExhausted):
        await specialists["newsletter"].draft(make_request())


def test_resolver_rejects_ids_it_was_not_given() -> None:
    resolve = scripted_resolver({"scripted:writer": ScriptedModel([])})
    assert resolve("scripted:writer").model_id == "scripted:writer"
    with pytest.raises(ConfigError, match="no scripted model for 'scripted:other'"):
        resolve("scripted:other")
