"""The content store on SQL: SQLite (embedded default) or PostgreSQL, SQLAlchemy 2 Core.

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

On PostgreSQL a batch without lifecycle events (model calls, checks, receipts ... most events)
first tries one autocommit statement (``_PG_ONE_STATEMENT_APPEND``): one round trip instead of
five. A batch with lifecycle events, or one that meets an already-stored key, takes the careful
transaction above, which also replays the touched assets' lifecycles under the lock.

PostgreSQL commits wait for a WAL flush by default (durable; about 1-3 ms on this machine's
disk); ``?options=-csynchronous_commit%3Doff`` in the URL trades the last few commits on a
server crash for sub-millisecond appends, the durability SQLite has here.

SQLite runs in WAL mode with ``synchronous=NORMAL``: a commit survives a crash of the process,
and only a power loss (or an OS crash) may lose the last transactions; no fsync per commit.
Migrations (Alembic) run on open, under a lock, so several processes may start at once. Each
operation is one transaction run by a ``Database`` (``sql_database.py``): asyncio all the way
on PostgreSQL, one worker-thread hop on SQLite.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url

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
from tools.content_store.sql_database import AsyncDatabase, Database, ThreadedDatabase
from tools.content_store.sql_kpis import sql_kpis
from tools.errors import ConfigError, StoreError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_FILE = "content.sqlite3"
_PAYLOAD: TypeAdapter[Payload] = TypeAdapter(Payload)
T = TypeVar("T")


_COLUMNS = (
    "event_key", "type", "thread_id", "brand", "asset_id", "version", "actor", "at",
    "to_status", "gate", "decision", "cost_usd", "edit_distance", "payload",
)  # fmt: skip
_PG_ONE_STATEMENT_APPEND = sa.text(
    f"""
WITH batch AS (
    SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS b(
        ord bigint, event_key text, type text, thread_id text, brand text, asset_id text,
        version integer, actor text, at double precision, to_status text, gate text,
        decision text, cost_usd double precision, edit_distance double precision, payload text)
), head AS (
    UPDATE content_head SET last_position = last_position + :n WHERE id = 1
    RETURNING last_position - :n AS base
), inserted AS (
    INSERT INTO content_events (position, {", ".join(_COLUMNS)})
    SELECT head.base + batch.ord, {", ".join(f"batch.{c}" for c in _COLUMNS)} FROM head, batch
    ON CONFLICT (event_key) DO NOTHING
    RETURNING 1
)
SELECT base, 1 / (CASE WHEN (SELECT count(*) FROM inserted) = :n THEN 1 ELSE 0 END) FROM head
"""
)
"""PostgreSQL's append of new events in one round trip (autocommit): advance the head (its row
lock is held to commit, so positions still follow commit order), insert, and divide by zero,
which aborts and rolls back the whole statement, if any key was already stored. The store then
takes the careful path, which returns the stored positions."""
_DIVISION_BY_ZERO = "22012"


class _LostRace(Exception):
    """A concurrent appender stored one of our keys after our snapshot: retry the batch."""


class _AlreadyStored(Exception):
    """The one-statement append met a stored key and rolled back: take the careful path."""


def _one_statement(
    connection: sa.Connection, events: Sequence[StoreEvent]
) -> tuple[list[int], list[StoredEvent]]:
    """Append events none of which is stored yet, in one statement (PostgreSQL)."""
    _, fresh = number_new_events(events, {}, 0)
    rows = []
    for event in fresh:
        row = _row(event)
        row["ord"] = row.pop("position")
        rows.append(row)
    try:
        result = connection.execute(
            _PG_ONE_STATEMENT_APPEND, {"rows": json.dumps(rows), "n": len(rows)}
        )
    except sa.exc.DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) == _DIVISION_BY_ZERO:
            raise _AlreadyStored from None
        raise
    base = result.scalar_one()
    return number_new_events(events, {}, base)


def store_url(url: str | None, data_dir: Path) -> URL:
    """The SQLAlchemy URL for a configured URL (unset: SQLite under ``data_dir``)."""
    if not url:
        return URL.create("sqlite+pysqlite", database=str(data_dir.resolve() / SQLITE_FILE))
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as error:
        raise ConfigError(f"BRANDLOOM_CONTENT_STORE_URL does not parse: {error}") from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite")
    raise ConfigError(f"the content store needs postgresql:// or sqlite://, not {backend}://")


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
    """The content store on a SQL database (open it with ``open_sql_store``)."""

    def __init__(self, database: Database, *, on_append: OnAppend | None = None) -> None:
        self.database = database
        self.where = database.url.render_as_string(hide_password=True)
        """Where the store is, safe to show (no password)."""
        self._on_append = on_append
        self._write_lock = asyncio.Lock()
        insert = sqlite_insert if database.dialect == "sqlite" else pg_insert
        self._insert_rows = (
            insert(events_table)
            .on_conflict_do_nothing(index_elements=["event_key"])
            .returning(events_table.c.position)
        )
        """Built once so SQLAlchemy compiles it once; executed with a list of rows."""

    @contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        """Turn driver and file errors into one-line ``StoreError``s."""
        try:
            yield
        except sa.exc.DBAPIError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
            raise StoreError(f"content store {self.where}: {doing} failed: {reason}") from None
        except (sa.exc.SQLAlchemyError, OSError) as error:
            reason = str(error).strip().splitlines()[0]
            raise StoreError(f"content store {self.where}: {doing} failed: {reason}") from None

    async def _run(self, doing: str, work: Callable[[sa.Connection], T], *, write: bool) -> T:
        with self._guard(doing):
            return await self.database.transaction(work, write=write)

    async def migrate(self) -> None:
        """Bring the schema to the newest revision (a no-op when it is there already)."""
        await self._run("migrating", _upgrade, write=True)

    async def close(self) -> None:
        await self.database.dispose()

    async def append(self, events: Sequence[StoreEvent]) -> list[int]:
        if not events:
            return []
        async with self._write_lock:
            positions, fresh = await self._append_under_lock(events)
        if fresh and self._on_append is not None:
            await self._on_append(fresh)
        return positions

    async def _append_under_lock(
        self, events: Sequence[StoreEvent]
    ) -> tuple[list[int], list[StoredEvent]]:
        if self.database.dialect == "postgresql" and not touched_assets(events):
            try:
                with self._guard("append"):
                    return await self.database.autocommit(lambda c: _one_statement(c, events))
            except _AlreadyStored:
                pass  # a re-run: the careful path returns the stored positions
        for _ in range(5):
            try:
                return await self._run("append", lambda c: self._append_once(c, events), write=True)
            except _LostRace:
                continue
        raise StoreError(f"content store {self.where}: append kept losing races")

    def _append_once(
        self, connection: sa.Connection, events: Sequence[StoreEvent]
    ) -> tuple[list[int], list[StoredEvent]]:
        keys = list(dict.fromkeys(e.event_key for e in events))
        last, stored = self._lock_head(connection, keys)
        positions, fresh = number_new_events(events, stored, last)
        if not fresh:
            return positions, fresh
        _check_lifecycle(connection, fresh)
        result = connection.execute(self._insert_rows, [_row(e) for e in fresh])
        if len(result.all()) != len(fresh):
            raise _LostRace  # rolls the transaction back
        connection.execute(
            sa.update(head_table)
            .where(head_table.c.id == 1)
            .values(last_position=last + len(fresh))
        )
        return positions, fresh

    def _lock_head(self, connection: sa.Connection, keys: list[str]) -> tuple[int, dict[str, int]]:
        """Lock the head row; the last position and the positions of already-stored keys."""
        joined = head_table.outerjoin(events_table, events_table.c.event_key.in_(keys))
        statement = (
            sa.select(head_table.c.last_position, events_table.c.event_key, events_table.c.position)
            .select_from(joined)
            .where(head_table.c.id == 1)
            .with_for_update(of=head_table)
        )
        rows = connection.execute(statement).all()
        if not rows:
            raise StoreError(f"content store {self.where} has no head row: migrations incomplete")
        stored = {row.event_key: row.position for row in rows if row.event_key is not None}
        return rows[0].last_position, stored

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
        rows = await self._run("read", lambda c: c.execute(query).all(), write=False)
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
        return await self._run("kpis", lambda c: sql_kpis(c, where), write=False)


def _check_lifecycle(connection: sa.Connection, fresh: Sequence[StoredEvent]) -> None:
    """Refuse the batch if it breaks the lifecycle of an asset it touches (under the lock)."""
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
    rows = connection.execute(query).all()
    check_lifecycle((_event(r) for r in rows if (r.thread_id, r.asset_id) in assets), fresh)


def _upgrade(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":  # one migrating process at a time
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(7215001)"))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def open_sql_store(
    url: str | None = None,
    *,
    data_dir: Path = Path(".brandloom"),
    on_append: OnAppend | None = None,
) -> SqlContentStore:
    """Open (and migrate) the store at ``url``; unset: ``<data_dir>/content.sqlite3``."""
    target = store_url(url, data_dir)
    database: Database
    if target.get_backend_name() == "sqlite":
        if target.database and target.database != ":memory:":
            try:
                Path(target.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(f"cannot create the content store folder: {error}") from None
        database = ThreadedDatabase(target)
    else:
        database = AsyncDatabase(target)
    store = SqlContentStore(database, on_append=on_append)
    try:
        await store.migrate()
    except BaseException:
        await database.dispose()
        raise
    return store
