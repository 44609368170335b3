"""``gemini:`` through the real google-genai SDK against a loopback fake of the REST endpoint."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from agents.providers.factory import resolve_model
from agents.providers.resilience import RetryPolicy
from agents.registry import build_specialists
from tests.agents.conftest import RecordingSleep, make_request
from tests.fakes.loopback_http import LoopbackServer, Reply
from tools.errors import ConfigError
from tools.settings import Settings

KEY = "gemini-test-key-42"
STREAM_PATH = "/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse"


def gemini_settings(tmp_path: Path, server: LoopbackServer) -> Settings:
    return Settings(
        data_dir=tmp_path,
        model_writer="gemini:gemini-2.5-flash",
        model_critic="gemini:gemini-2.5-flash",
        model_fallbacks="",
        model_temperature=0.25,
        GEMINI_API_KEY=KEY,
        gemini_base_url=server.url,
    )


def stream_reply(texts: list[str]) -> Reply:
    events: list[object] = [
        {"candidates": [{"content": {"role": "model", "parts": [{"text": text}]}}]}
        for text in texts
    ]
    events.append(
        {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": ""}]}, "finishReason": "STOP"}
            ],
            "usageMetadata": {
                "promptTokenCount": 31,
                "candidatesTokenCount": 7,
                "totalTokenCount": 38,
            },
        }
    )
    return Reply(sse_events=events, sse_done=False)


def policy(sleep: RecordingSleep) -> RetryPolicy:
    return RetryPolicy(
        max_retries=1,
        base_delay_s=0.5,
        max_delay_s=30,
        timeout_s=10,
        sleep=sleep,
        rng=random.Random(0),
    )


def test_missing_key_is_a_config_error_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"gemini:gemini-2\.5-flash needs GEMINI_API_KEY"):
        resolve_model("gemini:gemini-2.5-flash", Settings(data_dir=tmp_path, GEMINI_API_KEY=""))


async def test_request_mapping_streaming_and_usage(tmp_path: Path, sleep: RecordingSleep) -> None:
    with LoopbackServer([stream_reply(["TITLE: Hello\n", "BODY: Spring ", "tea."])]) as server:
        specialists = build_specialists(gemini_settings(tmp_path, server), policy=policy(sleep))
        chunks: list[str] = []
        result = await specialists["social_post"].draft(
            make_request(asset_kind="social_post"), chunks.append
        )
    assert (result.failed, result.title, result.text) == (False, "Hello", "Spring tea.")
    assert "".join(chunks) == "TITLE: Hello\nBODY: Spring tea."
    [event] = result.events
    assert (event.prompt_tokens, event.completion_tokens) == (31, 7)
    assert event.cost_usd == pytest.approx((31 * 0.30 + 7 * 2.50) / 1_000_000)
    [request] = server.requests
    assert request.path == STREAM_PATH
    assert request.headers["x-goog-api-key"] == KEY
    body = request.body
    assert body["systemInstruction"]["parts"][0]["text"].startswith("You are a senior brand")
    assert [c["role"] for c in body["contents"]] == ["user"]
    assert "<brand_memory>" in body["contents"][0]["parts"][0]["text"]
    assert body["generationConfig"] == {"temperature": 0.25, "maxOutputTokens": 256}


async def test_429_with_retry_delay_then_success(tmp_path: Path, sleep: RecordingSleep) -> None:
    quota = {
        "error": {
            "code": 429,
            "message": "Quota exceeded",
            "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "12s"}],
        }
    }
    replies = [Reply(status=429, json_body=quota), stream_reply(["BODY: ok"])]
    with LoopbackServer(replies) as server:
        specialists = build_specialists(gemini_settings(tmp_path, server), policy=policy(sleep))
        result = await specialists["email"].draft(make_request(asset_kind="email"))
    assert result.text == "ok" and sleep.delays == [12.0]
    assert result.events[0].summary == "failed: gemini 429: Quota exceeded"


async def test_401_fails_without_retry_and_without_the_key(
    tmp_path: Path, sleep: RecordingSleep
) -> None:
    denied = {
        "error": {"code": 401, "message": f"API key {KEY} not valid", "status": "UNAUTHENTICATED"}
    }
    with LoopbackServer([Reply(status=401, json_body=denied)]) as server:
        specialists = build_specialists(gemini_settings(tmp_path, server), policy=policy(sleep))
        result = await specialists["email"].draft(make_request(asset_kind="email"))
    assert result.failed and sleep.delays == [] and KEY not in result.error
    assert "check GEMINI_API_KEY" in result.error
