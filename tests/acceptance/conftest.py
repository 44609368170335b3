"""A newcomer's machine: a fresh clone of this working tree, and nothing set.

Every test here runs the README's own commands (``make demo``, ``make run``, ``make stop``,
``.venv/bin/brandloom ...``) in a ``git clone`` of the working tree, from the clone's folder or
from a folder outside it, with ``REDIS_URL``, every ``BRANDLOOM_*`` variable and the test
suite's Hugging Face offline switches removed: the defaults a new user gets are what runs.

Only the virtual environment is shared (the issue allows it): ``.venv`` in the clone links to
this checkout's, and ``PYTHONPATH`` names the clone so its code is what is imported, as
``pip install -e`` of the clone would do. The clone's ``pyproject.toml`` and
``requirements.lock`` get the venv stamp's age so ``make`` does not reinstall.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv"
_UNSET = ("REDIS_URL", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "CHAINLIT_AUTH_SECRET")


@dataclass(frozen=True)
class Clone:
    """A fresh clone of the working tree, and how a newcomer's shell would run things in it."""

    root: Path

    def env(self) -> dict[str, str]:
        """The test process's environment less everything that configures Brandloom."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("BRANDLOOM_") and key not in _UNSET
        }
        env.update(PYTHONPATH=str(self.root), PYTHONUNBUFFERED="1", COLUMNS="160")
        return env

    def run(
        self, *command: str, cwd: Path | None = None, stdin: str = "", timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Run a command to its end in the clone (or ``cwd``); output kept for the asserts."""
        return subprocess.run(
            list(command),
            cwd=cwd or self.root,
            env=self.env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, *command: str) -> subprocess.Popen[str]:
        """Start a long-running command (``make run``) in its own process group."""
        return subprocess.Popen(
            list(command),
            cwd=self.root,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )


def stop_group(process: subprocess.Popen[str]) -> None:
    """End a started command and everything it started (make -> chainlit)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def _clone_working_tree(destination: Path) -> None:
    """``git clone`` plus what is not committed yet (tracked changes and new files)."""
    subprocess.run(["git", "clone", "-q", str(REPO), str(destination)], check=True)
    diff = subprocess.run(
        ["git", "-C", str(REPO), "diff", "HEAD", "--binary"], check=True, capture_output=True
    ).stdout
    if diff:
        subprocess.run(["git", "-C", str(destination), "apply", "-"], input=diff, check=True)
    untracked = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "--others", "--exclude-standard", "-z"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for name in filter(None, untracked.split("\0")):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)


def _share_venv(clone: Path) -> None:
    stamp = VENV / ".installed"
    if not stamp.exists():
        pytest.fail(f"{stamp} is missing: run the suite through `make test`")
    (clone / ".venv").symlink_to(VENV, target_is_directory=True)
    older = stamp.stat().st_mtime - 60
    for name in ("pyproject.toml", "requirements.lock"):
        os.utime(clone / name, (older, older))


@pytest.fixture(scope="package")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clone]:
    """One fresh clone for the package's tests; ``make stop`` runs at the end whatever happens."""
    root = tmp_path_factory.mktemp("newcomer") / "brandloom"
    _clone_working_tree(root)
    _share_venv(root)
    fresh = Clone(root)
    try:
        yield fresh
    finally:
        fresh.run("make", "stop", timeout=60)


# The browser tests' Chromium fixtures, shared (a missing Chromium fails, never skips).
from tests.browser.conftest import browser, new_page, playwright_session  # noqa: E402, F401
