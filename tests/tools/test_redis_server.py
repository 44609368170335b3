"""The embedded Redis is a real server that keeps data across restarts."""

from __future__ import annotations

from pathlib import Path

import pytest
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


def test_default_relative_data_dir_works_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newcomer's bug: ``.brandloom`` made ``unix://.brandloom/redis/redis.sock``, which
    parses as host ``.brandloom`` and path ``/redis/redis.sock``."""
    start_folder, other_folder = tmp_path / "start", tmp_path / "other"
    start_folder.mkdir()
    other_folder.mkdir()
    monkeypatch.chdir(start_folder)
    monkeypatch.delenv("BRANDLOOM_DATA_DIR", raising=False)
    settings = Settings(_env_file=None, REDIS_URL=None)
    url = redis_url(settings)
    try:
        monkeypatch.chdir(other_folder)
        assert url == f"unix://{start_folder}/.brandloom/redis/redis.sock"
        assert redis.Redis.from_url(url).ping()
        assert redis_url(settings) == url  # found running, not started twice
    finally:
        EmbeddedRedis(settings.redis_dir).stop()


def test_a_data_dir_too_deep_for_a_socket_path_still_starts(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 5, "redis")
    server = EmbeddedRedis(deep)
    assert len(str(deep / "redis.sock")) > 107
    try:
        url = server.start()
        assert redis.Redis.from_url(url).ping()
        assert EmbeddedRedis(deep).url == url  # every process derives the same socket
    finally:
        server.stop()
    assert not server.is_up()


def test_stop_waits_for_the_server_to_exit(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    pid = int((tmp_path / "redis" / "redis.pid").read_text())
    server.stop()
    status = Path(f"/proc/{pid}/status")
    assert not status.exists() or "\nState:\tZ" in status.read_text()
