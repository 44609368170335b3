"""Real-instance fixtures: a real WordPress (Debian's files, PHP's built-in server, the
machine's MariaDB) on loopback, started once per session.

``make wordpress-deps`` (part of ``make test``) installs PHP and unpacks WordPress into
``~/.cache/brandloom/wordpress``; when either is missing the fixture FAILS with that hint,
it never skips.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).parent
CACHE = Path(os.environ.get("BRANDLOOM_CACHE", Path.home() / ".cache" / "brandloom"))


@dataclass(frozen=True)
class WordPressSite:
    url: str
    user: str
    app_password: str
    started_seconds: float
    """Server start plus ``wp_install`` (the site is fresh every session)."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _mysql(statement: str) -> None:
    subprocess.run(
        ["mysql", "-h127.0.0.1", "-P3306", "-uroot", "-e", statement],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip


@pytest.fixture(scope="session")
def wordpress() -> Iterator[WordPressSite]:
    site = CACHE / "wordpress" / "site"
    php = shutil.which("php")
    if php is None or not (site / "wp-load.php").is_file():
        pytest.fail("WordPress or PHP is missing: run `make wordpress-deps`", pytrace=False)
    shutil.copyfile(HERE / "wordpress" / "wp-config.php", site / "wp-config.php")
    database = f"brandloom_wp_{uuid.uuid4().hex[:10]}"
    _mysql(f"CREATE DATABASE {database}")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "BRANDLOOM_WP_DB": database, "BRANDLOOM_WP_URL": url, "BRANDLOOM_WP_ROOT": str(site),
    }  # fmt: skip
    started = time.monotonic()
    server = subprocess.Popen(
        [php, "-S", f"127.0.0.1:{port}", "-t", str(site)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        setup = subprocess.run(
            [php, str(HERE / "wordpress" / "setup.php")],
            env=env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        credentials = json.loads(setup.stdout[setup.stdout.index("{") :])
        _wait_until_up(url)
        yield WordPressSite(url, credentials["user"], credentials["password"],
                            time.monotonic() - started)  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)
        _mysql(f"DROP DATABASE IF EXISTS {database}")


def _wait_until_up(url: str) -> None:
    for _ in range(100):
        try:
            httpx.get(f"{url}/?rest_route=/", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"WordPress at {url} did not start", pytrace=False)


class FaultyTransport(httpx.BaseTransport):
    """Answers the next requests with scripted statuses (or timeouts), then passes through
    to the real server: faults in front of a real instance, through the injected client."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.faults: list[tuple[int, dict[str, str]]] = []
        """(status, headers); status 0 raises a read timeout."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.faults:
            status, headers = self.faults.pop(0)
            if status == 0:
                raise httpx.ReadTimeout("scripted timeout", request=request)
            return httpx.Response(status, headers=headers, json={"message": "scripted"})
        return self.inner.handle_request(request)
