"""Persistent chat history for the workspace: a Chainlit data layer on an SQLite file.

The embedded default needs no server: one SQLite file under the data dir (WAL mode), reached
through the standard library in a worker thread. Chainlit's own ``SQLAlchemyDataLayer`` was not
used: it needs SQLAlchemy plus a hand-made schema, swallows every SQL error (returns None) and
has known SQLite binding bugs (list-typed tags, chainlit#2528).

Ownership rules enforced here, below Chainlit's own checks:
- a thread's author is set once, by the first write that names one, and never changes;
- writes that come from a chat session of another user are refused (logged, not applied);
- ``is_shared`` metadata is dropped: threads are never readable by anyone but their author.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from chainlit.data.base import BaseDataLayer
from chainlit.data.utils import queue_until_user_message
from chainlit.types import (
    Feedback,
    PageInfo,
    PaginatedResponse,
    Pagination,
    ThreadDict,
    ThreadFilter,
)
from chainlit.user import PersistedUser, User

if TYPE_CHECKING:
    from chainlit.element import Element, ElementDict
    from chainlit.step import StepDict

log = logging.getLogger(__name__)
_T = TypeVar("_T")

SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, identifier TEXT NOT NULL UNIQUE, metadata TEXT, created_at TEXT);
CREATE TABLE IF NOT EXISTS threads (
    id TEXT PRIMARY KEY, created_at TEXT, updated_at TEXT, name TEXT, user_id TEXT,
    tags TEXT, metadata TEXT);
CREATE INDEX IF NOT EXISTS threads_by_user ON threads(user_id, updated_at);
CREATE TABLE IF NOT EXISTS steps (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, thread_id TEXT NOT NULL,
    created_at TEXT, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS steps_by_thread ON steps(thread_id, created_at);
CREATE TABLE IF NOT EXISTS elements (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, thread_id TEXT NOT NULL,
    data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feedbacks (
    id TEXT PRIMARY KEY, for_id TEXT, thread_id TEXT, value INTEGER, comment TEXT);
"""
"""Created on open; ``data`` columns hold Chainlit's step/element dicts as JSON."""
SessionUserLookup = Callable[[], str | None]
"""Returns the identifier of the user whose chat session is writing, or None outside one."""


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _queued_in_session(
    method: Callable[..., Awaitable[None]],
) -> Callable[..., Awaitable[None]]:
    """Chainlit's ``queue_until_user_message`` inside a chat session; a plain call outside one.

    Chainlit queues step writes until the user's first message, so an opened but unused chat
    leaves no thread behind. Outside a session (tests, scripts) writes happen at once.
    """
    queued = queue_until_user_message()(method)

    @functools.wraps(method)
    async def write(self: ChatHistoryStore, *args: Any, **kwargs: Any) -> None:
        from chainlit.context import context_var

        if context_var.get(None) is None:
            return await method(self, *args, **kwargs)
        return await queued(self, *args, **kwargs)

    return write


def chainlit_session_user() -> str | None:
    """The identifier of the signed-in user of the current Chainlit session, if any."""
    from chainlit.context import ChainlitContextException, context

    try:
        user = context.session.user
    except ChainlitContextException:
        return None
    return user.identifier if user is not None else None


class ChatHistoryStore(BaseDataLayer):
    """Threads, steps, elements and feedback of every chat, in one SQLite file."""

    def __init__(self, path: Path, session_user: SessionUserLookup = chainlit_session_user) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._session_user = session_user
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-history")
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.executescript(SCHEMA)
        path.chmod(0o600)  # chat history is private to the server's user

    async def _run(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``work`` in one transaction on the single writer thread (calls keep their order:
        Chainlit fires a step's create and update as separate tasks)."""

        def locked() -> _T:
            with self._lock:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    result = work(self._db)
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
                return result

        return await asyncio.get_running_loop().run_in_executor(self._writer, locked)

    # --- users ----------------------------------------------------------------------------
    async def get_user(self, identifier: str) -> PersistedUser | None:
        row = await self._run(
            lambda db: db.execute(
                "SELECT * FROM users WHERE identifier=?", (identifier,)
            ).fetchone()
        )
        return _user_from_row(row) if row else None

    async def create_user(self, user: User) -> PersistedUser | None:
        def work(db: sqlite3.Connection) -> sqlite3.Row:
            db.execute(
                "INSERT INTO users(id, identifier, metadata, created_at) VALUES (?,?,?,?)"
                " ON CONFLICT(identifier) DO UPDATE SET metadata=excluded.metadata",
                (str(uuid.uuid4()), user.identifier, json.dumps(user.metadata), _now()),
            )
            return db.execute(
                "SELECT * FROM users WHERE identifier=?", (user.identifier,)
            ).fetchone()

        return _user_from_row(await self._run(work))

    # --- threads ----------------------------------------------------------------------------
    async def get_thread_author(self, thread_id: str) -> str:
        row = await self._run(lambda db: _thread_row(db, thread_id))
        return str(row["user_identifier"] or "") if row else ""

    async def get_thread(self, thread_id: str) -> ThreadDict | None:
        def work(db: sqlite3.Connection) -> ThreadDict | None:
            row = _thread_row(db, thread_id)
            if row is None:
                return None
            steps = db.execute(
                "SELECT data FROM steps WHERE thread_id=? ORDER BY created_at, seq", (thread_id,)
            ).fetchall()
            elements = db.execute(
                "SELECT data FROM elements WHERE thread_id=? ORDER BY seq", (thread_id,)
            ).fetchall()
            thread = _thread_from_row(row)
            thread["steps"] = [json.loads(step["data"]) for step in steps]
            thread["elements"] = [json.loads(element["data"]) for element in elements]
            return thread

        return await self._run(work)

    async def update_thread(
        self,
        thread_id: str,
        name: str | None = None,
        user_id: str | None = None,
        metadata: dict | None = None,
        tags: list[str] | None = None,
    ) -> None:
        writer = self._session_user()

        def work(db: sqlite3.Connection) -> None:
            if not _may_write(db, thread_id, writer):
                return
            _ensure_thread(db, thread_id)
            row = _thread_row(db, thread_id)
            assert row is not None
            if user_id is not None and row["user_id"] is None:
                db.execute("UPDATE threads SET user_id=? WHERE id=?", (user_id, thread_id))
            merged = _merge_metadata(json.loads(row["metadata"] or "{}"), metadata or {})
            db.execute(
                "UPDATE threads SET name=COALESCE(?, name), tags=COALESCE(?, tags), metadata=?,"
                " updated_at=? WHERE id=?",
                (
                    _short(name),
                    json.dumps(tags) if tags is not None else None,
                    json.dumps(merged),
                    _now(),
                    thread_id,
                ),
            )

        await self._run(work)

    async def delete_thread(self, thread_id: str) -> None:
        def work(db: sqlite3.Connection) -> None:
            for table in ("steps", "elements", "feedbacks"):
                db.execute(f"DELETE FROM {table} WHERE thread_id=?", (thread_id,))
            db.execute("DELETE FROM threads WHERE id=?", (thread_id,))

        await self._run(work)

    async def list_threads(
        self, pagination: Pagination, filters: ThreadFilter
    ) -> PaginatedResponse[ThreadDict]:
        def work(db: sqlite3.Connection) -> list[sqlite3.Row]:
            query = _THREAD_SELECT + " WHERE t.user_id = ?"
            params: list[Any] = [filters.userId]
            if filters.search:
                query += " AND t.name LIKE ?"
                params.append(f"%{filters.search}%")
            if pagination.cursor:
                query += " AND t.updated_at < (SELECT updated_at FROM threads WHERE id = ?)"
                params.append(pagination.cursor)
            query += " ORDER BY t.updated_at DESC LIMIT ?"
            params.append(pagination.first + 1)
            return db.execute(query, params).fetchall()

        rows = await self._run(work) if filters.userId else []
        threads = [_thread_from_row(row) for row in rows[: pagination.first]]
        page = PageInfo(
            hasNextPage=len(rows) > pagination.first,
            startCursor=threads[0]["id"] if threads else None,
            endCursor=threads[-1]["id"] if threads else None,
        )
        return PaginatedResponse(pageInfo=page, data=threads)

    # --- steps ------------------------------------------------------------------------------
    @_queued_in_session
    async def create_step(self, step_dict: StepDict) -> None:
        await self._upsert_step(step_dict)

    @_queued_in_session
    async def update_step(self, step_dict: StepDict) -> None:
        await self._upsert_step(step_dict)

    async def _upsert_step(self, step_dict: StepDict) -> None:
        writer = self._session_user()
        thread_id = step_dict.get("threadId") or ""

        def work(db: sqlite3.Connection) -> None:
            if not thread_id or not _may_write(db, thread_id, writer):
                return
            _ensure_thread(db, thread_id)
            row = db.execute("SELECT data FROM steps WHERE id=?", (step_dict["id"],)).fetchone()
            merged = {**(json.loads(row["data"]) if row else {}), **step_dict}
            db.execute(
                "INSERT INTO steps(id, thread_id, created_at, data) VALUES (?,?,?,?)"
                " ON CONFLICT(id) DO UPDATE SET data=excluded.data",
                (step_dict["id"], thread_id, merged.get("createdAt") or _now(), json.dumps(merged)),
            )
            db.execute("UPDATE threads SET updated_at=? WHERE id=?", (_now(), thread_id))

        await self._run(work)

    @_queued_in_session
    async def delete_step(self, step_id: str) -> None:
        await self._run(lambda db: db.execute("DELETE FROM steps WHERE id=?", (step_id,)))

    async def get_favorite_steps(self, user_id: str) -> list[StepDict]:
        rows = await self._run(
            lambda db: db.execute(
                "SELECT s.data FROM steps s JOIN threads t ON s.thread_id=t.id WHERE t.user_id=?"
                " AND json_extract(s.data, '$.metadata.favorite') = 1",
                (user_id,),
            ).fetchall()
        )
        return [cast("StepDict", json.loads(row["data"])) for row in rows]

    # --- elements and feedback --------------------------------------------------------------
    @_queued_in_session
    async def create_element(self, element: Element) -> None:
        element_dict = element.to_dict()
        writer = self._session_user()

        def work(db: sqlite3.Connection) -> None:
            if not element.thread_id or not _may_write(db, element.thread_id, writer):
                return
            db.execute(
                "INSERT INTO elements(id, thread_id, data) VALUES (?,?,?)"
                " ON CONFLICT(id) DO UPDATE SET data=excluded.data",
                (element.id, element.thread_id, json.dumps(element_dict)),
            )

        await self._run(work)

    async def get_element(self, thread_id: str, element_id: str) -> ElementDict | None:
        row = await self._run(
            lambda db: db.execute(
                "SELECT data FROM elements WHERE id=? AND thread_id=?", (element_id, thread_id)
            ).fetchone()
        )
        return cast("ElementDict", json.loads(row["data"])) if row else None

    @_queued_in_session
    async def delete_element(self, element_id: str, thread_id: str | None = None) -> None:
        await self._run(lambda db: db.execute("DELETE FROM elements WHERE id=?", (element_id,)))

    async def upsert_feedback(self, feedback: Feedback) -> str:
        feedback_id = feedback.id or str(uuid.uuid4())
        await self._run(
            lambda db: db.execute(
                "INSERT INTO feedbacks(id, for_id, thread_id, value, comment) VALUES (?,?,?,?,?)"
                " ON CONFLICT(id) DO UPDATE SET value=excluded.value, comment=excluded.comment",
                (
                    feedback_id,
                    feedback.forId,
                    feedback.threadId or "",
                    feedback.value,
                    feedback.comment,
                ),
            )
        )
        return feedback_id

    async def delete_feedback(self, feedback_id: str) -> bool:
        await self._run(lambda db: db.execute("DELETE FROM feedbacks WHERE id=?", (feedback_id,)))
        return True

    async def build_debug_url(self) -> str:
        return ""

    async def close(self) -> None:
        self._writer.shutdown(wait=True)
        with self._lock:
            self._db.close()


_THREAD_SELECT = (
    "SELECT t.*, u.identifier AS user_identifier FROM threads t LEFT JOIN users u ON t.user_id=u.id"
)


def _thread_row(db: sqlite3.Connection, thread_id: str) -> sqlite3.Row | None:
    return cast(
        "sqlite3.Row | None", db.execute(_THREAD_SELECT + " WHERE t.id=?", (thread_id,)).fetchone()
    )


def _ensure_thread(db: sqlite3.Connection, thread_id: str) -> None:
    db.execute(
        "INSERT INTO threads(id, created_at, updated_at, metadata) VALUES (?,?,?,'{}')"
        " ON CONFLICT(id) DO NOTHING",
        (thread_id, _now(), _now()),
    )


def _may_write(db: sqlite3.Connection, thread_id: str, writer: str | None) -> bool:
    """A session may write to a thread nobody owns yet or to its own; never to another's."""
    row = _thread_row(db, thread_id)
    owner = row["user_identifier"] if row else None
    if owner is None or writer is None or owner == writer:
        return True
    log.warning("refused a write to thread %s from another user's session", thread_id)
    return False


def _merge_metadata(base: dict[str, Any], incoming: dict[str, Any]) -> dict[str, Any]:
    """Chainlit's merge rule (None deletes a key), minus ``is_shared``: threads stay private."""
    merged = {key: value for key, value in base.items() if incoming.get(key, 0) is not None}
    merged.update({key: value for key, value in incoming.items() if value is not None})
    merged.pop("is_shared", None)
    merged.pop("shared_at", None)
    return merged


def _short(name: str | None) -> str | None:
    return None if name is None else name[:255]


def _thread_from_row(row: sqlite3.Row) -> ThreadDict:
    return ThreadDict(
        id=row["id"],
        createdAt=row["created_at"],
        name=row["name"],
        userId=row["user_id"],
        userIdentifier=row["user_identifier"],
        tags=json.loads(row["tags"]) if row["tags"] else [],
        metadata=json.loads(row["metadata"] or "{}"),
        steps=[],
        elements=[],
    )


def _user_from_row(row: sqlite3.Row) -> PersistedUser:
    return PersistedUser(
        id=row["id"],
        identifier=row["identifier"],
        createdAt=row["created_at"],
        metadata=json.loads(row["metadata"] or "{}"),
    )
