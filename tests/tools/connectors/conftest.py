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
        self.statuses: list[int] = []
        """Status of every answer the real server gave."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.faults:
            status, headers = self.faults.pop(0)
            if status == 0:
                raise httpx.ReadTimeout("scripted timeout", request=request)
            return httpx.Response(status, headers=headers, json={"message": "scripted"})
        response = self.inner.handle_request(request)
        self.statuses.append(response.status_code)
        return response


@dataclass(frozen=True)
class GhostSite:
    url: str
    admin_key: str
    started_seconds: float
    """Server start (migrations of a fresh SQLite database) plus owner and integration set-up."""


GHOST = CACHE / "ghost"


@pytest.fixture(scope="session")
def ghost(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GhostSite]:
    """A real Ghost on SQLite (Node 22), fresh content folder, started once per session."""
    node = GHOST / "node22" / "node_modules" / "node" / "bin" / "node"
    app = GHOST / "app"
    if not node.is_file() or not (app / ".installed").is_file():
        pytest.fail("Ghost or Node 22 is missing: run `make ghost-deps`", pytrace=False)
    content = tmp_path_factory.mktemp("ghost") / "content"
    shutil.copytree(app / "content", content)
    (content / "data").mkdir(exist_ok=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "NODE_ENV": "development", "url": url, "server__host": "127.0.0.1",
        "server__port": str(port), "database__client": "sqlite3",
        "database__connection__filename": str(content / "data" / "ghost.db"),
        "paths__contentPath": str(content), "logging__level": "error",
        "security__staffDeviceVerification": "false", "privacy__useUpdateCheck": "false",
        "mail__transport": "stub",
    }  # fmt: skip
    started = time.monotonic()
    log = (content / "ghost.log").open("w")
    server = subprocess.Popen(
        [str(node), "index.js"], cwd=app, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_for_ghost(url, server, content / "ghost.log")
        admin_key = _ghost_admin_key(url)
        yield GhostSite(url, admin_key, time.monotonic() - started)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _wait_for_ghost(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"Ghost exited: {log.read_text()[-2000:]}", pytrace=False)
        try:
            if httpx.get(f"{url}/ghost/api/admin/site/", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"Ghost at {url} did not start in 300 s: {log.read_text()[-2000:]}", pytrace=False)


def _ghost_admin_key(url: str) -> str:
    """Owner set-up, a staff session, and a custom integration's admin API key."""
    api = f"{url}/ghost/api/admin"
    with httpx.Client(headers={"Origin": url, "Accept-Version": "v5.0"}, timeout=60) as client:
        owner = {"name": "Owner", "email": "owner@example.test", "password": "Brandloom-test-1!"}
        client.post(
            f"{api}/authentication/setup/", json={"setup": [owner | {"blogTitle": "Brandloom"}]}
        ).raise_for_status()
        login = {"username": owner["email"], "password": owner["password"]}
        client.post(f"{api}/session/", json=login).raise_for_status()
        made = client.post(
            f"{api}/integrations/?include=api_keys", json={"integrations": [{"name": "brandloom"}]}
        )
        made.raise_for_status()
        keys = made.json()["integrations"][0]["api_keys"]
        admin = next(k for k in keys if k["type"] == "admin")
        secret = str(admin["secret"])  # Ghost 6 answers the whole key, ``<id>:<hex secret>``
        return secret if ":" in secret else f"{admin['id']}:{secret}"
