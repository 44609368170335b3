"""Brandloom's LangGraph checkpointer on core Redis commands (Redis 6.2+, Valkey, Cluster).

``RedisSaver`` (sync) and ``AsyncRedisSaver`` (asyncio) share one storage layout (``keys.py``)
and Lua scripts (``scripts.py``); ``open_savers(settings)`` builds both on the configured or
embedded Redis. Every put, put_writes and get_tuple is one round trip (a MULTI/EXEC for the
writes, an EVALSHA for the read), sent on the savers' own connections (``wire.py``; through
redis-py, ``link.py``, for clients it cannot mirror).
``ThreadLease`` / ``AsyncThreadLease`` give one writer per thread (``saver.lease(thread_id)``);
``AsyncStopRequests`` (``saver.stop_requests()``) asks that writer to stop, from any process.
Both savers pass every base and extended capability of ``langgraph-checkpoint-conformance``.

Running it in production:

- Persistence: ``appendonly yes`` with ``appendfsync everysec`` (at most one second of
  checkpoints lost on a power cut; ``always`` loses none at a write-latency cost). The embedded
  server already runs that way. RDB snapshots alone can lose minutes of campaign state.
- Memory: ``maxmemory-policy noeviction`` (or a ``volatile-*`` policy together with
  ``BRANDLOOM_CHECKPOINT_TTL_SECONDS``); an eviction policy that drops arbitrary keys would
  drop half of a thread. ``BRANDLOOM_CHECKPOINT_KEEP_LAST`` bounds a thread's size (at the
  price of forks and time travel further back than N checkpoints): each put trims its
  namespace to the newest N inside its own MULTI/EXEC, so the newest checkpoint (the one a
  paused run resumes from) and its pending writes always stay, and a pruning put is atomic
  with the lease holder's write; the audit lives in the content store, not in checkpoints.
- Cluster: set ``BRANDLOOM_REDIS_CLUSTER=true`` and point ``REDIS_URL`` at any node; every key
  of a thread shares the hash tag ``{<thread>}``, so all scripts run in one slot.
"""

from __future__ import annotations

from graph.checkpoint.aio import AsyncRedisSaver
from graph.checkpoint.factory import open_savers
from graph.checkpoint.lease import AsyncStopRequests, AsyncThreadLease, ThreadLease
from graph.checkpoint.saver import RedisSaver

__all__ = [
    "AsyncRedisSaver",
    "AsyncStopRequests",
    "AsyncThreadLease",
    "RedisSaver",
    "ThreadLease",
    "open_savers",
]
