"""The embedded Redis is a real server that keeps data across restarts."""

from __future__ import annotations

from pathlib import Path

import redis

from tools.redis_server import EmbeddedRedis, redis_url
from tools.settings import Settings


def test_embedded_server_persists_across_restart(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    url = server.start()
    client = redis.Redis.from_url(url)
    client.set("brandloom:test:persist", b"kept")
    server.stop()
    assert not server.is_up()

    server.start()
    try:
        assert redis.Redis.from_url(server.url).get("brandloom:test:persist") == b"kept"
        assert (tmp_path / "redis" / "appendonlydir").exists() or any(
            p.name.startswith("appendonly") for p in (tmp_path / "redis").iterdir()
        )
    finally:
        server.stop()


def test_second_start_reuses_running_server(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    try:
        pid = (tmp_path / "redis" / "redis.pid").read_text()
        assert EmbeddedRedis(tmp_path / "redis").start() == server.url
        assert (tmp_path / "redis" / "redis.pid").read_text() == pid
    finally:
        server.stop()


def test_configured_url_wins_over_embedded(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, REDIS_URL="redis://127.0.0.1:6399/0")
    assert redis_url(settings) == "redis://127.0.0.1:6399/0"
    assert not (tmp_path / "redis").exists()


def test_unset_url_starts_embedded_server(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, REDIS_URL=None)
    url = redis_url(settings)
    try:
        assert url.startswith("unix://")
        assert redis.Redis.from_url(url).ping()
    finally:
        EmbeddedRedis(settings.redis_dir).stop()
