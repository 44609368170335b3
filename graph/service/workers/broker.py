"""The Dramatiq broker: Redis, the same server as the checkpoints (embedded unless ``REDIS_URL``).

Messages are acknowledged only after the actor returns; a worker that dies (even ``kill -9``)
stops refreshing its broker heartbeat, and after ``worker_redelivery_ms`` another worker puts
its unacknowledged messages back on the queue. Async actors run on one event loop per worker
process (Dramatiq's ``AsyncIO`` middleware), so one process keeps one campaign service.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware.asyncio import AsyncIO

from graph.service.workers.heartbeat import WorkerHeartbeat
from tools.redis_server import redis_url
from tools.settings import Settings

NAMESPACE = "brandloom-tasks"
"""Prefix of the broker's keys in Redis (apart from the checkpoints' keys)."""
QUEUE = "threads"
"""The one queue: messages naming a thread to run or resume."""
MAINTENANCE_CHANCE = 100_000
"""Chance, out of 1,000,000 fetches, that a worker looks for dead workers' messages (Dramatiq's
default is 1,000: with few messages in flight, redelivery could wait minutes)."""


def make_broker(settings: Settings) -> RedisBroker:
    """The broker for ``settings`` (the embedded Redis is started when needed)."""
    broker = RedisBroker(
        url=redis_url(settings),
        namespace=NAMESPACE,
        heartbeat_timeout=settings.worker_redelivery_ms,
        maintenance_chance=MAINTENANCE_CHANCE,
    )
    broker.add_middleware(AsyncIO())
    broker.add_middleware(WorkerHeartbeat(settings))
    return broker


def install_broker(settings: Settings) -> RedisBroker:
    """Make the broker for ``settings`` the global one (actors are declared against it)."""
    broker = make_broker(settings)
    dramatiq.set_broker(broker)
    return broker
