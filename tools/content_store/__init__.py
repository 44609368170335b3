"""The content store of record: every event of every campaign, appended once, read by all.

Public API (see each module for the contract):

- ``events``: the vocabulary (``StoreEvent`` + typed payloads, ``make_event_key``);
- ``base.ContentStore``: ``append(events) -> positions``, ``read(after_position, limit,
  thread_id=None)``, and the read models built on them: ``read_all``, ``asset_status``,
  ``lineage``, ``rollback``, ``kpis``;
- ``memory.InMemoryContentStore``: the reference implementation;
- ``open_content_store(settings)``: the configured store, migrated (SQLite under the data dir
  by default, PostgreSQL via ``BRANDLOOM_CONTENT_STORE_URL``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tools.content_store.base import ContentStore, OnAppend
from tools.content_store.memory import InMemoryContentStore

if TYPE_CHECKING:
    from tools.content_store.sql import SqlContentStore
    from tools.settings import Settings


async def open_content_store(
    settings: Settings, *, on_append: OnAppend | None = None
) -> SqlContentStore:
    """The store the settings name, with its migrations applied.

    SQLAlchemy and Alembic are imported here, not when the package is imported.
    """
    from tools.content_store.sql import open_sql_store

    return await open_sql_store(
        settings.content_store_url, data_dir=settings.data_dir, on_append=on_append
    )


__all__ = ["ContentStore", "InMemoryContentStore", "OnAppend", "open_content_store"]
