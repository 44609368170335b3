"""How the service reaches the content store: the injected store, or the configured one.

Without an injected store the service opens the one the settings name (SQLite under the data
dir, or PostgreSQL) for each use and closes it after: ``bench/content_store.py`` measures that
open ("per-run store open") against an append on an open store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tools.content_store import ContentStore, open_content_store
from tools.settings import Settings


@asynccontextmanager
async def store_session(
    settings: Settings, injected: ContentStore | None
) -> AsyncIterator[ContentStore]:
    """``injected`` as is (its owner closes it), else the configured store, closed on exit."""
    if injected is not None:
        yield injected
        return
    store = await open_content_store(settings)
    try:
        yield store
    finally:
        await store.close()
