"""A campaign run by the CLI is SIGKILLed at several points; ``brandloom resume`` completes it.

Each scenario runs the real ``brandloom`` console script in a subprocess with its own data dir
(embedded Redis, outbox connector) and scripted models; after the kill, ``brandloom resume``
must finish the campaign with no checkpoint lost or unreadable and no asset published twice.
"During a model call" points the writer role at a local OpenAI-compatible server that accepts
the request and never answers, so the kill lands while the call is in flight.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from graph.checkpoint import RedisSaver
from tests.fakes.openai_server import hanging_openai_server
from tools.redis_server import EmbeddedRedis

REPO = Path(__file__).resolve().parents[2]
BRIEF = REPO / "examples" / "spring_launch.md"
BRANDLOOM = Path(sys.executable).parent / "brandloom"
SCRIPTED = {"BRANDLOOM_MODEL_ROUTER": "scripted", "BRANDLOOM_MODEL_WRITER": "scripted",
            "BRANDLOOM_MODEL_CRITIC": "scripted"}  # fmt: skip

pytestmark = pytest.mark.slow


class Campaign:
    """One campaign's data dir, CLI environment and views of its Redis and outbox."""

    def __init__(self, root: Path, thread_id: str) -> None:
        self.root = root
        self.thread_id = thread_id
        self.data_dir = root / "data"
        self.redis = EmbeddedRedis(self.data_dir / "redis")
        self._saver: RedisSaver | None = None

    def env(self, **overrides: str) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("BRANDLOOM_", "OPENAI_"))}
        keep.pop("REDIS_URL", None)  # the CLI's own embedded Redis, stopped by the test
        return {**keep, **SCRIPTED, "BRANDLOOM_DATA_DIR": str(self.data_dir),
                "BRANDLOOM_CHECKPOINT_LEASE_SECONDS": "2", "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1", **overrides}  # fmt: skip

    def start_run(self, **env: str) -> subprocess.Popen[bytes]:
        args = [str(BRANDLOOM), "run", "--brief-file", str(BRIEF), "--auto-approve",
                "--thread-id", self.thread_id]  # fmt: skip
        log = (self.root / "run.log").open("wb")
        return subprocess.Popen(args, cwd=self.root, env=self.env(**env), stdout=log, stderr=log)

    def resume(self) -> subprocess.CompletedProcess[str]:
        args = [str(BRANDLOOM), "resume", self.thread_id, "--auto-approve"]
        return subprocess.run(args, cwd=self.root, env=self.env(), capture_output=True,
                              text=True, timeout=300)  # fmt: skip

    def saver(self) -> RedisSaver:
        if self._saver is None:
            self._saver = RedisSaver(redis.Redis(unix_socket_path=str(self.redis.socket_path)))
        return self._saver

    def checkpoint_count(self) -> int:
        if not self.redis.socket_path.exists():
            return 0
        saver = self.saver()
        try:
            return int(saver.client.zlexcount(saver.keys.thread(self.thread_id).index, "[c", "(d"))
        except redis.ConnectionError:  # the CLI's embedded server is still starting
            return 0

    def checkpoint_ids(self) -> set[str]:
        """Every checkpoint of the thread, all namespaces (decoding each one)."""
        found = self.saver().list({"configurable": {"thread_id": self.thread_id}})
        return {t.config["configurable"]["checkpoint_id"] for t in found}

    def receipts(self) -> dict[str, str]:
        """Receipt file name -> receipt id, for everything published so far."""
        folder = self.data_dir / "outbox" / self.thread_id
        return {
            p.name: json.loads(p.read_text())["receipt_id"]
            for p in sorted(folder.glob("*.receipt.json"))
        }


def _wait_for(condition: Callable[[], bool], what: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"the run ended (exit {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


@pytest.fixture
def campaign(tmp_path: Path) -> Iterator[Campaign]:
    made = Campaign(tmp_path, f"crash-{tmp_path.name[-12:]}")
    try:
        yield made
    finally:
        made.redis.stop()


@pytest.fixture(scope="module")
def reference_receipts(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """What an uninterrupted run publishes."""
    reference = Campaign(tmp_path_factory.mktemp("reference"), "reference")
    try:
        assert reference.start_run().wait(timeout=300) == 0
        published = set(reference.receipts())
    finally:
        reference.redis.stop()
    assert published, "the reference run published nothing"
    return published


@pytest.fixture
def hanging_model_server() -> Iterator[tuple[str, threading.Event]]:
    """An OpenAI-compatible endpoint that takes requests and never answers them."""
    with hanging_openai_server(120) as endpoint:
        yield endpoint


def _kill_and_resume(
    campaign: Campaign, proc: subprocess.Popen[bytes], published: set[str]
) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    before_ids = campaign.checkpoint_ids()
    before_receipts = campaign.receipts()

    resumed = campaign.resume()
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "published" in resumed.stdout

    assert before_ids <= campaign.checkpoint_ids()  # nothing lost, everything readable
    after_receipts = campaign.receipts()
    assert set(after_receipts) == published  # the same assets as an uninterrupted run
    for name, receipt_id in before_receipts.items():
        assert after_receipts[name] == receipt_id  # published before the kill: not again
    outbox = campaign.data_dir / "outbox" / campaign.thread_id
    assert len(list(outbox.glob("*.md"))) == len(after_receipts)
    assert not campaign.saver().client.exists(
        campaign.saver().keys.thread(campaign.thread_id).lease
    )


def test_sigkill_during_a_model_call(
    campaign: Campaign,
    hanging_model_server: tuple[str, threading.Event],
    reference_receipts: set[str],
) -> None:
    base_url, called = hanging_model_server
    proc = campaign.start_run(
        BRANDLOOM_MODEL_WRITER="openai:gpt-4.1-mini", OPENAI_BASE_URL=base_url
    )
    _wait_for(called.is_set, "the first model call", proc)
    assert campaign.checkpoint_count() > 0
    _kill_and_resume(campaign, proc, reference_receipts)


def test_sigkill_between_steps(campaign: Campaign, reference_receipts: set[str]) -> None:
    proc = campaign.start_run()
    _wait_for(lambda: campaign.checkpoint_count() >= 4, "the fourth checkpoint", proc)
    _kill_and_resume(campaign, proc, reference_receipts)


def test_sigkill_right_after_publish(campaign: Campaign, reference_receipts: set[str]) -> None:
    proc = campaign.start_run()
    outbox = campaign.data_dir / "outbox" / campaign.thread_id
    _wait_for(lambda: any(outbox.glob("*.receipt.json")), "the first published asset", proc)
    _kill_and_resume(campaign, proc, reference_receipts)
