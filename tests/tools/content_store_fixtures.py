"""Backends and a small event builder for the content store tests.

``backend`` is parametrized over the in-memory reference, SQLite (a temp file) and PostgreSQL
(a private schema in the machine's database ``test`` on 127.0.0.1:5432, dropped afterwards).
Where PostgreSQL is unreachable the PostgreSQL cases skip with the reason, except under CI
(``CI`` set), where they fail: CI must run every backend.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tools.content_store import ContentStore, InMemoryContentStore
from tools.content_store.events import Payload, StoreEvent
from tools.content_store.sql import open_sql_store

POSTGRES_URL = os.environ.get(
    "BRANDLOOM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections live in a fresh schema of the machine's PostgreSQL."""
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL at {POSTGRES_URL} is unreachable: {str(error).splitlines()[0]}"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL content store tests; {reason}")
        pytest.skip(reason)
    schema = f"bl_store_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


class Backend:
    """Opens handles on one storage: each SQL handle has its own engine (own connections)."""

    def __init__(self, name: str, url: str | None = None, data_dir: Path | None = None) -> None:
        self.name = name
        self.url = url
        self.data_dir = data_dir
        self._memory = InMemoryContentStore()
        self._open: list[ContentStore] = []

    async def open(self, **kwargs: Any) -> ContentStore:
        if self.name == "memory":
            return InMemoryContentStore(**kwargs) if kwargs else self._memory
        assert self.data_dir is not None
        store = await open_sql_store(self.url, data_dir=self.data_dir, **kwargs)
        self._open.append(store)
        return store

    async def close(self) -> None:
        for store in self._open:
            await store.close()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    opened = Backend(request.param, url=url, data_dir=tmp_path / "data")
    yield opened
    await opened.close()


@pytest.fixture
async def store(backend: Backend) -> ContentStore:
    return await backend.open()


_serial = itertools.count()


def event(
    payload: Payload,
    *,
    thread: str = "t1",
    asset: str = "",
    version: int = 0,
    at: float = 1000.0,
    brand: str = "acme",
    actor: str = "node",
    key: str | None = None,
) -> StoreEvent:
    """An event with a unique key unless ``key`` is given."""
    return StoreEvent(
        event_key=key or f"{thread}:{asset}:{version}:{payload.type}:{next(_serial)}",
        thread_id=thread,
        brand=brand,
        asset_id=asset,
        version=version,
        actor=actor,
        at=at,
        payload=payload,
    )
