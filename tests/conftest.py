"""Fixtures shared by every test layer.

Sockets are limited to loopback (see ``_loopback_only``): tests are offline by default.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tools.redis_server import EmbeddedRedis
from tools.settings import Settings

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    if self.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        host = str(address[0])
        if not (host.startswith("127.") or host in ("::1", "localhost")):
            raise ConnectionRefusedError(f"tests are offline: connection to {host} blocked")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def embedded_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """A real embedded redis-server for the whole test session."""
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_client(embedded_redis: EmbeddedRedis) -> redis.Redis:
    """A client of the embedded server; tests use unique key prefixes and never flush."""
    return redis.Redis.from_url(embedded_redis.url)


@pytest.fixture
def external_redis_url() -> str:
    """The machine's Redis (CI sets ``REDIS_URL``); the test skips where none is configured."""
    url = os.environ.get("REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must set REDIS_URL to the machine's Redis")
        pytest.skip("REDIS_URL is not set")
    return url


@pytest.fixture
def settings(tmp_path: Path, embedded_redis: EmbeddedRedis) -> Settings:
    """Settings pointing at a fresh data dir and the session's embedded Redis."""
    return Settings(data_dir=tmp_path / "data", REDIS_URL=embedded_redis.url)


@pytest.fixture
def cli_env(tmp_path: Path, embedded_redis: EmbeddedRedis) -> dict[str, str]:
    """The environment of a ``brandloom`` subprocess: scripted models, no memory or triage,
    its own data dir on the session's embedded Redis, and none of the caller's BRANDLOOM_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRANDLOOM_")}
    env.update(
        BRANDLOOM_DATA_DIR=str(tmp_path / "data"),
        REDIS_URL=embedded_redis.url,
        BRANDLOOM_MODEL_WRITER="scripted:echo",
        BRANDLOOM_MODEL_ROUTER="scripted",
        BRANDLOOM_MODEL_CRITIC="scripted",
        BRANDLOOM_CAMPAIGN_MEMORY="false",
        BRANDLOOM_CAMPAIGN_TRIAGE="false",
        COLUMNS="200",
    )
    return env
