"""The real SmolLM2-135M (GGUF, in-process llama.cpp) through a specialist."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from agents.base import AssetKind, Constraints
from agents.providers.local import decode_complete_utf8
from agents.registry import build_specialists
from tests.agents.conftest import make_request
from tools.settings import Settings


@pytest.mark.local_model
async def test_smollm2_drafts_through_the_copywriter(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        model_writer="local:smollm2-135m",
        model_fallbacks="",
        model_temperature=0.0,
        model_max_tokens=48,
    )
    specialists = build_specialists(settings)
    chunks: list[str] = []
    request = make_request(asset_kind="social_post", constraints=Constraints(max_words=25))
    result = await specialists["social_post"].draft(request, chunks.append)
    assert not result.failed, result.error
    assert (result.title + result.text).strip()
    assert len(chunks) > 5 and "".join(chunks).strip()
    [event] = result.events
    assert event.model_id == "local:smollm2-135m" and event.summary == "ok"
    assert event.prompt_tokens > 100
    assert 0 < event.completion_tokens <= 48
    assert event.cost_usd == 0.0 and event.memory_item_ids == ["mem-1", "mem-2"]


@pytest.mark.local_model
async def test_a_prompt_longer_than_the_context_fails_softly(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        model_writer="local:smollm2-135m",
        model_fallbacks="",
        local_model_context=128,
    )
    specialists = build_specialists(settings)
    result = await specialists["newsletter"].draft(make_request())
    assert result.failed and "does not fit the 128-token context" in result.error
    assert [e.retries for e in result.events] == [0]  # not transient: no retries


def test_utf8_split_across_tokens_is_held_back_until_complete() -> None:
    encoded = "tea 🍵".encode()
    text, pending = decode_complete_utf8(encoded[:-2])
    assert (text, pending) == ("tea ", encoded[4:-2])
    assert decode_complete_utf8(pending + encoded[-2:]) == ("🍵", b"")


@pytest.mark.local_model
async def test_concurrent_first_calls_load_once_and_leave_stdout_alone(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        model_writer="local:smollm2-135m",
        model_fallbacks="",
        model_max_tokens=8,
        local_model_seed=4242,  # a configuration no other test loaded yet
    )
    stdout_before = os.fstat(1)
    specialists = build_specialists(settings)
    kinds: list[AssetKind] = ["newsletter", "seo_meta", "video_script"]
    results = await asyncio.gather(
        *(specialists[kind].draft(make_request(asset_kind=kind)) for kind in kinds)
    )
    assert [r.failed for r in results] == [False] * 3
    assert all(r.events[0].completion_tokens > 0 for r in results)
    stdout_after = os.fstat(1)
    assert (stdout_after.st_dev, stdout_after.st_ino) == (
        stdout_before.st_dev,
        stdout_before.st_ino,
    )
