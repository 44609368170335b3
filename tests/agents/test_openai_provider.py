"""``openai:`` through the real SDK against an OpenAI-compatible server on loopback."""

from __future__ import annotations

import random
from pathlib import Path

import httpx

from agents.providers.factory import model_resolver
from agents.providers.model import ChatModel
from agents.providers.openai import openai_error
from agents.providers.resilience import RetryPolicy
from agents.providers.scripted import ScriptedModel
from agents.registry import build_specialists
from tests.agents.conftest import RecordingSleep, make_request
from tests.fakes.loopback_http import LoopbackServer, Reply
from tools.settings import Settings

SECRET = "sk-test-0123456789abcdef"


def stream_reply(words: list[str], prompt_tokens: int = 42) -> Reply:
    def chunk(delta: dict[str, str], finish: str | None = None) -> dict[str, object]:
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "gpt-4.1-mini",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    events: list[object] = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": word}) for word in words]
    events.append(chunk({}, "stop"))
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": len(words),
        "total_tokens": prompt_tokens + len(words),
    }
    events.append(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "gpt-4.1-mini",
            "choices": [],
            "usage": usage,
        }
    )
    return Reply(sse_events=events)


def error_reply(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    body = {"error": {"message": message, "type": "error", "code": None, "param": None}}
    return Reply(status=status, json_body=body, headers=headers or {})


def openai_settings(tmp_path: Path, server: LoopbackServer, fallbacks: str = "") -> Settings:
    return Settings(
        data_dir=tmp_path,
        model_writer="openai:gpt-4.1-mini",
        model_critic="openai:gpt-4.1-mini",
        model_fallbacks=fallbacks,
        OPENAI_API_KEY=SECRET,
        OPENAI_BASE_URL=server.url + "/v1",
    )


def quick_policy(sleep: RecordingSleep) -> RetryPolicy:
    return RetryPolicy(
        max_retries=2,
        base_delay_s=0.5,
        max_delay_s=10,
        timeout_s=10,
        sleep=sleep,
        rng=random.Random(0),
    )


async def test_streamed_answer_with_usage_and_cost(tmp_path: Path, sleep: RecordingSleep) -> None:
    with LoopbackServer([stream_reply(["TITLE: Hi", "\nBODY:", " Spring", " tea."])]) as server:
        settings = openai_settings(tmp_path, server)
        specialists = build_specialists(settings, policy=quick_policy(sleep))
        chunks: list[str] = []
        result = await specialists["newsletter"].draft(make_request(), chunks.append)
    assert (result.failed, result.title, result.text) == (False, "Hi", "Spring tea.")
    assert "".join(chunks) == "TITLE: Hi\nBODY: Spring tea."
    [event] = result.events
    assert (event.model_id, event.prompt_tokens, event.completion_tokens) == (
        "openai:gpt-4.1-mini",
        42,
        4,
    )
    assert event.cost_usd == (42 * 0.40 + 4 * 1.60) / 1_000_000
    [request] = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    body = request.body
    assert body["model"] == "gpt-4.1-mini" and body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["max_tokens"] == int(120 * 1.6) + 64
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "<brand_memory>" in body["messages"][1]["content"]


async def test_429_with_retry_after_is_retried(tmp_path: Path, sleep: RecordingSleep) -> None:
    replies = [
        error_reply(429, "Rate limit reached", {"retry-after": "3"}),
        stream_reply(["BODY: ok"]),
    ]
    with LoopbackServer(replies) as server:
        specialists = build_specialists(
            openai_settings(tmp_path, server), policy=quick_policy(sleep)
        )
        result = await specialists["email"].draft(make_request(asset_kind="email"))
    assert not result.failed and result.text == "ok"
    assert sleep.delays == [3.0]
    failed, succeeded = result.events
    assert failed.summary == "failed: openai 429: Rate limit reached" and failed.retries == 0
    assert succeeded.retries == 1 and succeeded.summary == "ok"
    assert len(server.requests) == 2


async def test_persistent_500_falls_back_then_fails_softly(
    tmp_path: Path, sleep: RecordingSleep
) -> None:
    replies = [error_reply(500, "internal error")] * 3
    with LoopbackServer(replies) as server:
        settings = openai_settings(tmp_path, server, fallbacks="scripted:backup")
        backup = ChatModel("scripted:backup", ScriptedModel(["BODY: from the backup"]))
        real = model_resolver(settings)

        def resolver(model_id: str) -> ChatModel:
            return backup if model_id == backup.model_id else real(model_id)

        specialists = build_specialists(settings, resolver, policy=quick_policy(sleep))
        result = await specialists["ad_copy"].draft(make_request(asset_kind="ad_copy"))
    assert result.text == "from the backup"
    assert [e.model_id for e in result.events] == ["openai:gpt-4.1-mini"] * 3 + ["scripted:backup"]
    assert all(e.summary == "failed: openai 500: internal error" for e in result.events[:3])
    assert len(server.requests) == 3 and len(sleep.delays) == 2


async def test_401_fails_fast_and_never_shows_the_key(
    tmp_path: Path, sleep: RecordingSleep
) -> None:
    replies = [error_reply(401, f"Incorrect API key provided: {SECRET}")]
    with LoopbackServer(replies) as server:
        specialists = build_specialists(
            openai_settings(tmp_path, server), policy=quick_policy(sleep)
        )
        result = await specialists["blog_article"].draft(make_request(asset_kind="blog_article"))
    assert result.failed and sleep.delays == [] and len(server.requests) == 1
    assert "authentication failed: check OPENAI_API_KEY" in result.error
    assert SECRET not in result.error
    assert all(SECRET not in e.model_dump_json() for e in result.events)


def test_a_stream_cut_off_by_a_dying_server_is_transient() -> None:
    failure = openai_error(httpx.RemoteProtocolError("peer closed connection"))
    assert failure is not None and failure.transient
    assert openai_error(ValueError("a bug")) is None
