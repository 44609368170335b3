"""Brandloom's LangGraph checkpointer on core Redis commands (Redis 6.2+, Valkey, Cluster).

``RedisSaver`` (sync) and ``AsyncRedisSaver`` (asyncio) share one storage layout (``keys.py``)
and Lua scripts (``scripts.py``); ``open_savers(settings)`` builds both. ``ThreadLease`` /
``AsyncThreadLease`` give one writer per thread (``saver.lease(thread_id)``).
"""

from __future__ import annotations

from graph.checkpoint.aio import AsyncRedisSaver
from graph.checkpoint.factory import open_savers
from graph.checkpoint.lease import AsyncThreadLease, ThreadLease
from graph.checkpoint.saver import RedisSaver

__all__ = ["AsyncRedisSaver", "AsyncThreadLease", "RedisSaver", "ThreadLease", "open_savers"]
