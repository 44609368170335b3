"""Who owns each campaign, and which campaign a chat follows.

A campaign (LangGraph thread) belongs to the user who started it; a fork belongs to the user who
forked it and becomes the campaign its chat follows. The first claim of a thread id wins and is
never overwritten, so a second user naming an existing id gets the real owner back and is
refused. The models chosen in the chat settings are kept per campaign, so a resume after a
server restart runs on the same models. The per-asset decisions made so far at a pending review
gate are kept too (keyed by asset version), so a half-reviewed gate survives a server restart.
Kept in SQLite next to the chat history.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.settings import Settings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS campaigns (
    thread_id TEXT PRIMARY KEY, owner TEXT NOT NULL, chat_id TEXT NOT NULL,
    forked_from TEXT, models TEXT NOT NULL, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS campaigns_by_chat ON campaigns(chat_id, created_at);
CREATE TABLE IF NOT EXISTS review_drafts (
    thread_id TEXT NOT NULL, asset_id TEXT NOT NULL, version INTEGER NOT NULL,
    decision TEXT NOT NULL, PRIMARY KEY (thread_id, asset_id, version));
"""


def workspace_db_path(settings: Settings) -> Path:
    """The workspace's SQLite file (chat history, campaign owners)."""
    return settings.data_dir / "workspace.sqlite3"


@dataclass(frozen=True)
class CampaignRecord:
    """One campaign as the workspace knows it."""

    thread_id: str
    owner: str
    chat_id: str
    """The Chainlit thread (chat) the campaign is shown in."""
    models: dict[str, str]
    """Role -> ``provider:model`` id chosen when it started."""
    forked_from: str | None = None


class CampaignOwners:
    """Thread id -> owner and chat; first claim wins."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        path.chmod(0o600)

    def claim(
        self,
        thread_id: str,
        owner: str,
        *,
        chat_id: str,
        models: dict[str, str],
        forked_from: str | None = None,
    ) -> CampaignRecord:
        """Record the campaign unless the thread id is taken; return the stored record."""
        with self._lock:
            self._db.execute(
                "INSERT INTO campaigns(thread_id, owner, chat_id, forked_from, models, created_at)"
                " VALUES (?,?,?,?,?,?) ON CONFLICT(thread_id) DO NOTHING",
                (thread_id, owner, chat_id, forked_from, json.dumps(models), time.time()),
            )
        record = self.get(thread_id)
        assert record is not None
        return record

    def get(self, thread_id: str) -> CampaignRecord | None:
        """The campaign record, or None for an id no one has started."""
        return self._one("SELECT * FROM campaigns WHERE thread_id=?", thread_id)

    def owner_of(self, thread_id: str) -> str | None:
        record = self.get(thread_id)
        return record.owner if record else None

    def for_chat(self, chat_id: str) -> CampaignRecord | None:
        """The campaign a chat follows: its latest (a fork replaces the original)."""
        return self._one(
            "SELECT * FROM campaigns WHERE chat_id=? ORDER BY created_at DESC LIMIT 1", chat_id
        )

    def owned_by(self, owner: str) -> list[CampaignRecord]:
        """The campaigns a chat follows that belong to ``owner`` (one per chat), newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT thread_id FROM campaigns c WHERE owner=? AND created_at = "
                "(SELECT MAX(created_at) FROM campaigns WHERE chat_id=c.chat_id) "
                "ORDER BY created_at DESC",
                (owner,),
            ).fetchall()
        found = (self.get(thread_id) for (thread_id,) in rows)
        return [record for record in found if record is not None]

    def review_draft(self, thread_id: str) -> dict[tuple[str, int], dict[str, Any]]:
        """Decisions saved at the review gate and not submitted yet, by (asset id, version)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT asset_id, version, decision FROM review_drafts WHERE thread_id=?",
                (thread_id,),
            ).fetchall()
        return {(asset_id, version): json.loads(decision) for asset_id, version, decision in rows}

    def save_review_draft(
        self, thread_id: str, decisions: Mapping[tuple[str, int], Mapping[str, Any]]
    ) -> None:
        """Save decisions (all or none), replacing any saved for the same asset version."""
        rows = [
            (thread_id, asset_id, version, json.dumps(dict(decision)))
            for (asset_id, version), decision in decisions.items()
        ]
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO review_drafts(thread_id, asset_id, version, decision)"
                " VALUES (?,?,?,?)",
                rows,
            )

    def clear_review_draft(self, thread_id: str) -> None:
        """Forget the thread's saved decisions (they were submitted)."""
        with self._lock:
            self._db.execute("DELETE FROM review_drafts WHERE thread_id=?", (thread_id,))

    def _one(self, query: str, key: str) -> CampaignRecord | None:
        with self._lock:
            cursor = self._db.execute(query, (key,))
            row = cursor.fetchone()
            names = [column[0] for column in cursor.description]
        if row is None:
            return None
        values = dict(zip(names, row, strict=True))
        return CampaignRecord(
            thread_id=values["thread_id"],
            owner=values["owner"],
            chat_id=values["chat_id"],
            models=json.loads(values["models"]),
            forked_from=values["forked_from"],
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()
