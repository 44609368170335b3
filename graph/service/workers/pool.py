"""Start and stop worker pools: Dramatiq's CLI in a process group of its own.

``run_workers`` is what ``brandloom worker`` runs in the foreground (Dramatiq's ``main``:
it forks the worker processes, restarts nothing on its own, and stops them all on SIGTERM).
``ensure_local_pool`` is the embedded default: when the CLI submits work and no worker's
heartbeat is in Redis, it starts ``brandloom worker`` in the background (its own session, its
pid in ``<data_dir>/workers.pid``, its log in ``<data_dir>/workers.log``); ``stop_local_pool``
(``brandloom shutdown``) stops it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from dramatiq.cli import main as dramatiq_main
from dramatiq.cli import make_argument_parser

from graph.service.workers.heartbeat import alive_workers
from tools.redis_server import connect
from tools.settings import Settings

ACTORS_MODULE = "graph.service.workers.actors"


def run_workers(processes: int, threads: int) -> int:
    """Run Dramatiq workers in the foreground until SIGTERM/SIGINT; Dramatiq's exit code.

    Workers share the cores by design, so the local model's OpenMP threads sleep when idle
    instead of spinning (``OMP_WAIT_POLICY=PASSIVE``, unless set): with a core busy elsewhere,
    spinning made generation 1.7x slower, and 7-11x on a loaded machine
    (``bench/local_threads.py``). libgomp reads it when llama.cpp loads, in each worker.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    args = make_argument_parser().parse_args(
        [ACTORS_MODULE, "--processes", str(processes), "--threads", str(threads)]
    )
    return int(dramatiq_main(args) or 0)


def pid_file(settings: Settings) -> Path:
    return settings.data_dir / "workers.pid"


def local_pool_pid(settings: Settings) -> int | None:
    """The pid of this data dir's background pool, if it runs."""
    try:
        pid = int(pid_file(settings).read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def ensure_local_pool(settings: Settings) -> bool:
    """Start a background pool when no worker is alive; whether one was started."""
    if alive_workers(connect(settings)) or local_pool_pid(settings) is not None:
        return False
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log = (settings.data_dir / "workers.log").open("ab")
    command = [
        sys.executable, "-m", "graph.cli", "worker",
        "--processes", str(settings.worker_processes),
        "--threads", str(settings.worker_threads),
    ]  # fmt: skip
    env = {**os.environ, "BRANDLOOM_DATA_DIR": str(settings.data_dir)}
    process = subprocess.Popen(
        command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env,
        start_new_session=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    pid_file(settings).write_text(str(process.pid))
    return True


def stop_local_pool(settings: Settings, timeout_seconds: float = 30.0) -> bool:
    """Stop this data dir's background pool; whether one ran.

    SIGTERM goes to Dramatiq's main process only, which forwards it once to its workers (a
    worker signalled twice abandons its graceful stop and may hang); whatever is left of the
    process group after ``timeout_seconds`` gets SIGKILL."""
    pid = local_pool_pid(settings)
    if pid is None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline and _group_alive(pid):
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        pid_file(settings).unlink()
    return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pgid, os.WNOHANG)  # reap it when we are its parent
    try:
        return Path(f"/proc/{pgid}/status").read_text().find("\nState:\tZ") < 0
    except OSError:
        return False
