"""A heartbeat key per live worker process, so the CLI knows whether its messages will run.

Each worker process writes ``brandloom:worker:<host>:<pid>`` every ``worker_heartbeat_seconds``
with a TTL of five beats; a killed worker's key expires on its own. ``alive_workers`` counts
the keys. (Dramatiq's broker keeps its own heartbeats, but in a private format.)
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading

import dramatiq
import redis

from tools.settings import Settings

KEY_PREFIX = "brandloom:worker:"
BEATS_TO_EXPIRE = 5


def worker_key() -> str:
    return f"{KEY_PREFIX}{socket.gethostname()}:{os.getpid()}"


def alive_workers(client: redis.Redis) -> list[str]:
    """The heartbeat keys of live worker processes (``host:pid``)."""
    found = client.scan_iter(match=f"{KEY_PREFIX}*", count=1000)
    return sorted(
        (k.decode() if isinstance(k, bytes) else str(k))[len(KEY_PREFIX) :] for k in found
    )


class WorkerHeartbeat(dramatiq.Middleware):
    """Beats from worker boot to worker shutdown, in a daemon thread of the worker process."""

    def __init__(self, settings: Settings) -> None:
        self.every = settings.worker_heartbeat_seconds
        self._stop = threading.Event()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        client: redis.Redis = broker.client  # type: ignore[attr-defined]
        key = worker_key()
        ttl_ms = max(1000, int(self.every * BEATS_TO_EXPIRE * 1000))

        def beat() -> None:
            while not self._stop.is_set():
                with contextlib.suppress(redis.RedisError):  # Redis away: the key expires
                    client.set(key, b"1", px=ttl_ms)
                self._stop.wait(self.every)

        threading.Thread(target=beat, name="brandloom-heartbeat", daemon=True).start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._stop.set()
        with contextlib.suppress(redis.RedisError):
            broker.client.delete(worker_key())  # type: ignore[attr-defined]
