"""How the service reaches the content store: the injected store, or one it opens and keeps.

Without an injected store the service opens the one the settings name (SQLite under the data
dir, or PostgreSQL) on first use and keeps it until ``CampaignService.aclose``:
``bench/content_store.py`` measured an open + close of an existing store at 7 ms (SQLite) and
63 ms (PostgreSQL) p50, against about 1 ms and 4-13 ms for an append, so opening it for every
run (and every chat ``trace``/``kpis``) would cost more than recording. A store is used only
on the event loop that opened it (its locks and, on PostgreSQL, its connections belong to that
loop): a service driven from a new loop opens a new one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from tools.content_store import ContentStore, open_content_store
from tools.settings import Settings

StoreOpener = Callable[[Settings], Awaitable[ContentStore]]
"""Opens the configured store (``open_content_store``)."""


class OwnedStore:
    """The store a service opened itself: one per event loop, closed by ``close``."""

    def __init__(self, settings: Settings, opener: StoreOpener = open_content_store) -> None:
        self.settings = settings
        self.opener = opener
        self._stores: dict[asyncio.AbstractEventLoop, ContentStore] = {}

    @asynccontextmanager
    async def session(self, injected: ContentStore | None) -> AsyncIterator[ContentStore]:
        """``injected`` as is (its owner closes it), else this loop's own store."""
        yield injected if injected is not None else await self.current()

    async def current(self) -> ContentStore:
        """This loop's store, opened (and migrated) on first use."""
        loop = asyncio.get_running_loop()
        for stale in [other for other in self._stores if other.is_closed()]:
            del self._stores[stale]  # its loop is gone: nothing to close it with
        store = self._stores.get(loop)
        if store is None:
            store = await self.opener(self.settings)
            if loop in self._stores:  # another task opened one meanwhile
                await store.close()
                return self._stores[loop]
            self._stores[loop] = store
        return store

    async def close(self) -> None:
        """Close this loop's store (the next use opens it again)."""
        store = self._stores.pop(asyncio.get_running_loop(), None)
        if store is not None:
            await store.close()
