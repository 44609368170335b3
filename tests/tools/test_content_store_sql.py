"""What only the SQL stores have: files, URLs, migrations and their errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory

from tests.tools.content_store_fixtures import event, postgres_url
from tools.content_store import open_content_store
from tools.content_store.events import CampaignStarted
from tools.content_store.sql import MIGRATIONS, open_sql_store, store_url
from tools.errors import ConfigError, StoreError
from tools.settings import Settings

__all__ = ["postgres_url"]  # fixture

HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()
"""The newest migration: a store opened once is at it, whatever revisions were added since."""


def started(thread: str = "t1") -> object:
    return event(CampaignStarted(title="launch", brief_hash="b" * 16), thread=thread)


async def test_default_is_sqlite_in_wal_mode_under_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None, data_dir=Path("relative-data"))  # type: ignore[call-arg]
    assert settings.content_store_url is None
    store = await open_content_store(settings)
    try:
        assert await store.append([started()]) == [1]  # type: ignore[list-item]
    finally:
        await store.close()
    monkeypatch.chdir("/")  # the store path was resolved at open, not per call
    database = tmp_path / "relative-data" / "content.sqlite3"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("SELECT count(*) FROM content_events").fetchone() == (1,)


def test_the_url_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRANDLOOM_CONTENT_STORE_URL", "postgresql://u@db.example/brandloom")
    assert Settings(_env_file=None).content_store_url == "postgresql://u@db.example/brandloom"  # type: ignore[call-arg]


def test_urls_map_to_async_drivers(tmp_path: Path) -> None:
    assert store_url(None, tmp_path).render_as_string() == (
        f"sqlite+pysqlite:///{tmp_path.resolve()}/content.sqlite3"
    )
    assert store_url("postgres://u:pw@h/db", tmp_path).drivername == "postgresql+psycopg"
    assert store_url("postgresql+asyncpg://u@h/db", tmp_path).drivername == "postgresql+psycopg"
    assert store_url("sqlite:////x/c.db", tmp_path).drivername == "sqlite+pysqlite"
    with pytest.raises(ConfigError, match="postgresql:// or sqlite://, not mysql://"):
        store_url("mysql://u@h/db", tmp_path)


async def test_migrations_create_the_schema_once(tmp_path: Path) -> None:
    first = await open_sql_store(None, data_dir=tmp_path)
    await first.append([started("t1"), started("t2")])  # type: ignore[list-item]
    await first.close()
    second = await open_sql_store(None, data_dir=tmp_path)  # migrations again: a no-op
    assert [e.position for e in await second.read()] == [1, 2]
    assert await second.append([started("t3")]) == [3]  # type: ignore[list-item]
    await second.close()
    with sqlite3.connect(tmp_path / "content.sqlite3") as connection:
        assert connection.execute("SELECT version_num FROM content_store_version").fetchall() == [
            (HEAD,)
        ]
        assert connection.execute("SELECT last_position FROM content_head").fetchall() == [(3,)]


async def test_postgresql_migrations_run_on_an_empty_schema_and_once(postgres_url: str) -> None:
    first = await open_sql_store(postgres_url)
    await first.append([started("t1")])  # type: ignore[list-item]
    await first.close()
    second = await open_sql_store(postgres_url)
    assert await second.append([started("t2")]) == [2]  # type: ignore[list-item]
    await second.close()
    schema = postgres_url.rsplit("%3D", 1)[1]
    with psycopg.connect(postgres_url.split("?")[0]) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
            "ORDER BY table_name",
            (schema,),
        ).fetchall()
        version = connection.execute(f"SELECT version_num FROM {schema}.content_store_version")
        assert version.fetchall() == [(HEAD,)]
    assert tables == [
        ("bulk_items",),
        ("bulk_jobs",),
        ("content_events",),
        ("content_head",),
        ("content_store_version",),
    ]


async def test_a_corrupt_sqlite_file_is_one_clear_store_error(tmp_path: Path) -> None:
    (tmp_path / "content.sqlite3").write_bytes(
        b"this is not a database, it is a shopping list\n" * 200
    )
    with pytest.raises(StoreError) as raised:
        await open_sql_store(None, data_dir=tmp_path)
    message = str(raised.value)
    assert "\n" not in message
    assert "content.sqlite3" in message and "file is not a database" in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


async def test_an_unreachable_postgresql_is_one_store_error_without_the_password() -> None:
    with pytest.raises(StoreError) as raised:
        await open_sql_store("postgresql://brandloom:s3cret-pw@127.0.0.1:1/brandloom")
    message = str(raised.value)
    assert "\n" not in message and "127.0.0.1" in message
    assert "s3cret-pw" not in message
