"""How the SQL store runs one transaction: PostgreSQL on asyncio, SQLite in a worker thread.

The store's logic is written once, as plain functions of a SQLAlchemy (sync) ``Connection``;
a ``Database`` runs such a function inside one transaction and awaits the result:

- ``AsyncDatabase`` (PostgreSQL, ``psycopg`` async): ``AsyncConnection.run_sync`` runs the
  function in a greenlet; every statement awaits the network, no thread involved.
- ``ThreadedDatabase`` (SQLite, the standard ``sqlite3`` driver): the whole function runs in a
  worker thread, so a transaction costs one thread hop. ``aiosqlite`` hops once per cursor call
  (about ten per append under SQLAlchemy): on the same loaded 2-core machine an append took
  4.9 ms (p50) through ``sqlite+aiosqlite`` and 1.9 ms with one hop. (PostgreSQL through this
  class, psycopg in sync mode, measured no clear gain over the async engine, so it stays async.)

SQLite connections run in WAL mode with ``synchronous=NORMAL`` and begin their transactions
explicitly: ``BEGIN IMMEDIATE`` for writes (SQLite's single write lock, taken up front, so two
writers never deadlock upgrading a read lock), ``BEGIN`` for reads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

T = TypeVar("T")


class Database(Protocol):
    """Runs ``work(connection)`` in one transaction (committed unless it raises)."""

    url: URL
    dialect: str

    async def transaction(self, work: Callable[[sa.Connection], T], *, write: bool) -> T: ...

    async def autocommit(self, work: Callable[[sa.Connection], T]) -> T:
        """Run ``work`` with each statement its own transaction (a one-statement write)."""
        ...

    async def dispose(self) -> None: ...


class AsyncDatabase:
    """PostgreSQL through an async engine."""

    def __init__(self, url: URL) -> None:
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=5, max_overflow=5, pool_reset_on_return=None
        )
        self.url = url
        self.dialect = self.engine.dialect.name

    async def transaction(self, work: Callable[[sa.Connection], T], *, write: bool) -> T:
        async with self.engine.begin() as connection:
            return await connection.run_sync(work)

    async def autocommit(self, work: Callable[[sa.Connection], T]) -> T:
        async with self.engine.connect() as connection:
            single = await connection.execution_options(isolation_level="AUTOCOMMIT")
            return await single.run_sync(work)

    async def dispose(self) -> None:
        await self.engine.dispose()


class ThreadedDatabase:
    """A sync engine (``sqlite3``; psycopg works too), one worker-thread hop per transaction."""

    def __init__(self, url: URL, *, threads: int = 4) -> None:
        self.dialect = url.get_backend_name()
        sqlite = self.dialect == "sqlite"
        connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": 30} if sqlite else {}
        self.engine = sa.create_engine(
            url, connect_args=connect_args, pool_size=threads, pool_reset_on_return=None
        )
        self.url = url
        self._threads = ThreadPoolExecutor(threads, thread_name_prefix="content-store")
        if sqlite:
            _configure_sqlite(self.engine)

    def _run(self, work: Callable[[sa.Connection], T], write: bool) -> T:
        with self.engine.connect() as connection:
            mode = connection.execution_options(sqlite_begin="IMMEDIATE" if write else "")
            with mode.begin():
                return work(mode)

    async def transaction(self, work: Callable[[sa.Connection], T], *, write: bool) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._run, work, write)

    async def autocommit(self, work: Callable[[sa.Connection], T]) -> T:
        return await self.transaction(work, write=True)  # SQLite: one hop is already cheap

    async def dispose(self) -> None:
        self.engine.dispose()
        self._threads.shutdown(wait=False)


def _configure_sqlite(engine: sa.Engine) -> None:
    @sa_event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we send BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @sa_event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())
