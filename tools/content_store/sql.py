"""The content store on SQL: SQLite (embedded default) or PostgreSQL, SQLAlchemy 2 async Core.

Positions: one row, ``content_head.last_position``, is locked at the start of every append
transaction (``SELECT ... FOR UPDATE`` on PostgreSQL; ``BEGIN IMMEDIATE`` takes SQLite's single
write lock) and advanced by the number of events actually inserted before commit. Appends are
thus serialized and commit in position order: a follower reading ``position > N`` can never
see N+2 before N+1, and duplicates consume no position, so positions stay gap-free.

Idempotency: ``event_key`` is unique in the table and rows are inserted with ``ON CONFLICT
(event_key) DO NOTHING``. The keys already stored are read in the same statement that locks the
head; on PostgreSQL that statement's snapshot predates the lock wait, so a key committed by a
concurrent appender meanwhile is caught by the constraint instead (fewer rows inserted than
numbered), and the transaction is rolled back and retried rather than leave a gap.

SQLite runs in WAL mode with ``synchronous=NORMAL``: a commit survives a crash of the process,
and only a power loss may lose the last transactions; that is what keeps an append under a
millisecond. Migrations (Alembic) run on open, under a lock, so several processes may start
at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from tools.content_store.base import (
    PAGE,
    ContentStore,
    OnAppend,
    check_lifecycle,
    number_new_events,
    touched_assets,
)
from tools.content_store.events import (
    LIFECYCLE_TYPES,
    HumanDecision,
    ModelCalled,
    Payload,
    StatusChanged,
    StoredEvent,
    StoreEvent,
)
from tools.content_store.kpis import KpiFilter, Kpis
from tools.content_store.schema import events as events_table
from tools.content_store.schema import head as head_table
from tools.content_store.sql_kpis import sql_kpis
from tools.errors import ConfigError, StoreError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_FILE = "content.sqlite3"
INSERT_CHUNK = 500
"""Rows per INSERT statement (keeps bind parameters under SQLite's and PostgreSQL's limits)."""
_PAYLOAD: TypeAdapter[Payload] = TypeAdapter(Payload)


class _LostRace(Exception):
    """A concurrent appender stored one of our keys after our snapshot: retry the batch."""


def store_url(url: str | None, data_dir: Path) -> URL:
    """The async SQLAlchemy URL for a configured URL (unset: SQLite under ``data_dir``)."""
    if not url:
        return URL.create("sqlite+aiosqlite", database=str(data_dir.resolve() / SQLITE_FILE))
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as error:
        raise ConfigError(f"BRANDLOOM_CONTENT_STORE_URL does not parse: {error}") from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    raise ConfigError(f"the content store needs postgresql:// or sqlite://, not {backend}://")


def _sqlite_setup(engine: AsyncEngine) -> None:
    """WAL, a busy timeout, and explicit BEGINs (IMMEDIATE for appends) on every connection."""

    @sa_event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @sa_event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _row(event: StoredEvent) -> dict[str, Any]:
    payload = event.payload
    return {
        "position": event.position,
        "event_key": event.event_key,
        "type": payload.type,
        "thread_id": event.thread_id,
        "brand": event.brand,
        "asset_id": event.asset_id,
        "version": event.version,
        "actor": event.actor,
        "at": event.at,
        "to_status": payload.to_status if isinstance(payload, StatusChanged) else None,
        "gate": payload.gate if isinstance(payload, HumanDecision) else None,
        "decision": payload.decision if isinstance(payload, HumanDecision) else None,
        "cost_usd": payload.cost_usd if isinstance(payload, ModelCalled) else None,
        "edit_distance": payload.edit_distance if isinstance(payload, HumanDecision) else None,
        "payload": payload.model_dump_json(),
    }


def _event(row: sa.Row[Any]) -> StoredEvent:
    try:
        payload = _PAYLOAD.validate_json(row.payload)
    except ValidationError as error:
        raise StoreError(f"content event {row.position} does not parse: {error}") from None
    return StoredEvent.model_construct(
        position=row.position,
        event_key=row.event_key,
        thread_id=row.thread_id,
        brand=row.brand,
        asset_id=row.asset_id,
        version=row.version,
        actor=row.actor,
        at=row.at,
        payload=payload,
    )


class SqlContentStore(ContentStore):
    """The content store on an async SQLAlchemy engine (open it with ``open_sql_store``)."""

    def __init__(self, engine: AsyncEngine, *, on_append: OnAppend | None = None) -> None:
        self.engine = engine
        self.where = engine.url.render_as_string(hide_password=True)
        """Where the store is, safe to show (no password)."""
        self._on_append = on_append
        self._write_lock = asyncio.Lock()
        self._sqlite = engine.dialect.name == "sqlite"
        self._insert = sqlite_insert if self._sqlite else pg_insert

    @asynccontextmanager
    async def _guard(self, doing: str) -> AsyncIterator[None]:
        """Turn driver and file errors into one-line ``StoreError``s."""
        try:
            yield
        except sa.exc.DBAPIError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
            raise StoreError(f"content store {self.where}: {doing} failed: {reason}") from None
        except (sa.exc.SQLAlchemyError, OSError) as error:
            reason = str(error).strip().splitlines()[0]
            raise StoreError(f"content store {self.where}: {doing} failed: {reason}") from None

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as connection:
            if self._sqlite:
                connection = await connection.execution_options(sqlite_begin="IMMEDIATE")
            async with connection.begin():
                yield connection

    async def migrate(self) -> None:
        """Bring the schema to the newest revision (a no-op when it is there already)."""
        async with self._guard("migrating"), self._writing() as connection:
            if not self._sqlite:
                await connection.execute(sa.text("SELECT pg_advisory_xact_lock(7215001)"))
            await connection.run_sync(_upgrade)

    async def close(self) -> None:
        await self.engine.dispose()

    async def append(self, events: Sequence[StoreEvent]) -> list[int]:
        if not events:
            return []
        async with self._write_lock, self._guard("append"):
            for _ in range(5):
                try:
                    positions, fresh = await self._append_once(events)
                    break
                except _LostRace:
                    continue
            else:
                raise StoreError(f"content store {self.where}: append kept losing races")
        if fresh and self._on_append is not None:
            await self._on_append(fresh)
        return positions

    async def _append_once(
        self, events: Sequence[StoreEvent]
    ) -> tuple[list[int], list[StoredEvent]]:
        keys = list(dict.fromkeys(e.event_key for e in events))
        async with self._writing() as connection:
            last, stored = await self._lock_head(connection, keys)
            positions, fresh = number_new_events(events, stored, last)
            if not fresh:
                return positions, fresh
            await self._check_lifecycle(connection, fresh)
            inserted = 0
            for start in range(0, len(fresh), INSERT_CHUNK):
                rows = [_row(e) for e in fresh[start : start + INSERT_CHUNK]]
                statement = (
                    self._insert(events_table)
                    .values(rows)
                    .on_conflict_do_nothing(index_elements=["event_key"])
                    .returning(events_table.c.position)
                )
                inserted += len((await connection.execute(statement)).all())
            if inserted != len(fresh):
                raise _LostRace
            await connection.execute(
                sa.update(head_table)
                .where(head_table.c.id == 1)
                .values(last_position=last + len(fresh))
            )
        return positions, fresh

    async def _lock_head(
        self, connection: AsyncConnection, keys: list[str]
    ) -> tuple[int, dict[str, int]]:
        """Lock the head row; the last position and the positions of already-stored keys."""
        joined = head_table.outerjoin(events_table, events_table.c.event_key.in_(keys))
        statement = (
            sa.select(head_table.c.last_position, events_table.c.event_key, events_table.c.position)
            .select_from(joined)
            .where(head_table.c.id == 1)
            .with_for_update(of=head_table)
        )
        rows = (await connection.execute(statement)).all()
        if not rows:
            raise StoreError(f"content store {self.where} has no head row: migrations incomplete")
        stored = {row.event_key: row.position for row in rows if row.event_key is not None}
        return rows[0].last_position, stored

    async def _check_lifecycle(
        self, connection: AsyncConnection, fresh: Sequence[StoredEvent]
    ) -> None:
        assets = touched_assets(fresh)
        if not assets:
            return
        columns = events_table.c
        query = (
            sa.select(events_table)
            .where(
                columns.thread_id.in_(sorted({thread for thread, _ in assets})),
                columns.asset_id.in_(sorted({asset for _, asset in assets})),
                columns.type.in_(sorted(LIFECYCLE_TYPES)),
            )
            .order_by(columns.position)
        )
        rows = (await connection.execute(query)).all()
        check_lifecycle(
            (_event(r) for r in rows if (r.thread_id, r.asset_id) in assets), fresh
        )

    async def read(
        self, after_position: int = 0, limit: int = PAGE, *, thread_id: str | None = None
    ) -> list[StoredEvent]:
        query = (
            sa.select(events_table)
            .where(events_table.c.position > after_position)
            .order_by(events_table.c.position)
            .limit(limit)
        )
        if thread_id is not None:
            query = query.where(events_table.c.thread_id == thread_id)
        async with self._guard("read"), self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [_event(row) for row in rows]

    async def kpis(
        self,
        brand: str | None = None,
        since: float | None = None,
        *,
        until: float | None = None,
        thread_id: str | None = None,
    ) -> Kpis:
        where = KpiFilter(brand=brand, since=since, until=until, thread_id=thread_id)
        async with self._guard("kpis"), self.engine.connect() as connection:
            return await sql_kpis(connection, where)


def _upgrade(connection: sa.Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def open_sql_store(
    url: str | None = None, *, data_dir: Path = Path(".brandloom"), on_append: OnAppend | None = None
) -> SqlContentStore:
    """Open (and migrate) the store at ``url``; unset: ``<data_dir>/content.sqlite3``."""
    target = store_url(url, data_dir)
    if target.get_backend_name() == "sqlite":
        if target.database and target.database != ":memory:":
            try:
                Path(target.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(f"cannot create the content store folder: {error}") from None
        engine = create_async_engine(target)
        _sqlite_setup(engine)
    else:
        engine = create_async_engine(target, pool_size=5, max_overflow=5)
    store = SqlContentStore(engine, on_append=on_append)
    try:
        await store.migrate()
    except BaseException:
        await engine.dispose()
        raise
    return store


