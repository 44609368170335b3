"""Every CLI example in the README's "The CLI" block runs as written in the fresh clone.

The examples are read from README.md itself; each must have a case below (so an example added
to the README without a test fails here). ``THREAD_ID`` stands for a campaign started by an
earlier example, ``JOB_ID`` for the bulk job ``bulk submit`` created. Models are the defaults
(the real local model).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import time
from pathlib import Path

import pytest

from graph.workspace.users import UserStore
from tests.acceptance.conftest import REPO, Clone, stop_group

pytestmark = [pytest.mark.local_model, pytest.mark.slow]


def readme_examples() -> list[str]:
    """The ``.venv/bin/brandloom`` lines of the README's CLI block, comments removed."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("## The CLI", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [
        shlex.join(shlex.split(line, comments=True))
        for line in block.splitlines()
        if line.startswith(".venv/bin/brandloom ")
    ]


EXAMPLES = readme_examples()


def example(start: str) -> list[str]:
    """The one README example beginning with ``.venv/bin/brandloom <start>``, as argv."""
    found = [line for line in EXAMPLES if line.startswith(f".venv/bin/brandloom {start}")]
    assert len(found) == 1, f"README has {len(found)} examples starting with {start!r}"
    return shlex.split(found[0])


COVERED = [
    "doctor", "run --brief-file examples/spring_launch.md", "run --brief 'Weekly",
    "run --brief-file examples/product_launch.md", "resume THREAD_ID", "stop THREAD_ID",
    "memory add", "memory query", "classify predict", "classify train", "users add",
    "users reset-password", "shutdown", "assets list THREAD_ID", "assets history THREAD_ID",
    "kpis", "connectors list", "connectors check", "bulk submit", "bulk status JOB_ID",
    "bulk approve JOB_ID", "worker",
]  # fmt: skip
"""The examples this module runs, by their first words."""


def test_every_readme_example_has_a_case() -> None:
    assert len(EXAMPLES) == len(COVERED), EXAMPLES
    for start in COVERED:
        example(start)


def run(clone: Clone, argv: list[str], stdin: str = "", timeout: float = 900):
    done = clone.run(*argv, stdin=stdin, timeout=timeout)
    return done, done.stdout + done.stderr


def test_doctor_memory_classify_and_users(clone: Clone) -> None:
    done, out = run(clone, example("doctor"))
    assert done.returncode == 0, out
    assert str(clone.root / ".brandloom") in out and "local:smollm2-135m" in out

    done, out = run(clone, example("memory add"))
    assert done.returncode == 0, out
    assert "Loomwell: 2 files, 2 chunks: 2 added" in out, out
    done, out = run(clone, example("memory query"))
    assert done.returncode == 0, out
    assert re.search(r"40\s*°?C|wash", out), out  # the care facts from the brand kit

    done, out = run(clone, example("classify predict"))
    assert done.returncode == 0, out
    assert re.search(r"tone\s+│\s+urgent", out), out  # "Last chance … ends tonight!"
    done, out = run(clone, example("classify train"), timeout=900)
    assert done.returncode == 0, out
    assert "saved" in out

    users = UserStore(clone.root / ".brandloom" / "users.json")
    users.ensure_first_user()  # what `make run`'s first start did (when it ran in this clone)
    done, out = run(clone, example("users add"), stdin="maria-password\nmaria-password\n")
    assert done.returncode == 0, out
    assert "user maria (editor) saved" in out
    done, out = run(clone, example("users reset-password"))
    assert done.returncode == 0, out
    password = re.search(r"new password (\S+)", out)
    assert password and users.authenticate("admin", password.group(1)) is not None


def test_connectors_list_and_check(clone: Clone) -> None:
    done, out = run(clone, example("connectors list"), timeout=120)
    assert done.returncode == 0, out
    assert "outbox/v1: every other channel" in done.stdout.splitlines(), out
    done, out = run(clone, example("connectors check"), timeout=120)
    assert done.returncode == 0, out
    outbox = clone.root / ".brandloom" / "outbox"
    assert done.stdout.strip() == f"outbox/v1: ok, writes markdown files into {outbox}", out


def test_run_stop_and_resume_a_campaign(clone: Clone) -> None:
    runner = clone.start(*example("run --brief 'Weekly"))
    output: list[str] = []
    try:
        thread_id = _started_thread(runner, output)
        _until_drafting(clone, output, runner)
        done, out = run(clone, _with_thread(example("stop THREAD_ID"), thread_id), timeout=120)
        assert done.returncode == 0, out
        assert f"asked campaign {thread_id} to stop" in out
        assert runner.wait(timeout=600) == 3, "".join(output)  # 3: paused (README exit codes)
    finally:
        stop_group(runner)
    assert "paused" in "".join(output) + (runner.stdout.read() if runner.stdout else "")

    answers = "a\n" * 20  # approve every asset at the review gate, then publish
    done, out = run(clone, _with_thread(example("resume THREAD_ID"), thread_id), stdin=answers)
    assert done.returncode == 0, out
    assert "published" in out
    published = list((clone.root / ".brandloom" / "outbox" / thread_id).glob("*.receipt.json"))
    assert len(published) == 3  # a newsletter and 2 posts
    _read_back_from_the_content_store(clone, thread_id)


def _read_back_from_the_content_store(clone: Clone, thread_id: str) -> None:
    """The published campaign as ``assets`` and ``kpis`` show it (the content store only)."""
    assert (clone.root / ".brandloom" / "content.sqlite3").is_file()
    done, out = run(clone, _with_thread(example("assets list THREAD_ID"), thread_id))
    assert done.returncode == 0, out
    statuses = re.findall(r"│\s*(newsletter|social_post-0[12])\s*│\s*\d+\s*│\s*(\w+)\s*│", out)
    assert sorted(statuses) == [
        ("newsletter", "published"), ("social_post-01", "published"),
        ("social_post-02", "published"),
    ], out  # fmt: skip

    done, out = run(clone, _with_thread(example("assets history THREAD_ID"), thread_id))
    assert done.returncode == 0, out
    assert "History of newsletter" in out and "published" in out, out
    assert "smollm2" in out, out  # the local model that wrote it
    assert "approve by user:" in out, out  # the "a" answered at the review gate
    assert str(clone.root / ".brandloom" / "outbox" / thread_id / "newsletter") in out, out

    done, out = run(clone, example("kpis"))
    assert done.returncode == 0, out
    kpis = json.loads(done.stdout)
    # Every campaign of this clone so far (the demo too): one receipt per published asset.
    receipts = list((clone.root / ".brandloom" / "outbox").rglob("*.receipt.json"))
    assert kpis["published_assets"] == len(receipts) >= 3, out
    assert kpis["approved_assets"] >= kpis["published_assets"], out
    assert kpis["model_calls"] > 0, out


def _started_thread(runner: subprocess.Popen[str], output: list[str]) -> str:
    assert runner.stdout is not None
    for line in runner.stdout:
        output.append(line)
        match = re.search(r"campaign (\S+) started", line)
        if match:
            return match.group(1)
    pytest.fail("the run printed no campaign id:\n" + "".join(output))


def _until_drafting(clone: Clone, output: list[str], runner: subprocess.Popen[str]) -> None:
    """Give the run time to pass the plan gate (auto-approved) and start drafting."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and runner.poll() is None:
        time.sleep(3)
        if (clone.root / ".brandloom" / "redis" / "redis.pid").exists():
            return
    pytest.fail("the run did not start:\n" + "".join(output))


def _with_thread(argv: list[str], thread_id: str) -> list[str]:
    return [thread_id if part == "THREAD_ID" else part for part in argv]


def test_interactive_runs_answer_at_the_terminal(clone: Clone) -> None:
    # The spring launch, answered on the terminal: the plan is rejected with a reason.
    done, out = run(clone, example("run --brief-file examples/spring_launch.md"),
                    stdin="r\nnot this week\n")  # fmt: skip
    assert done.returncode == 0, out  # 0: a person rejected the plan
    assert "social_post-10" in out and "reject" in out.lower(), out

    # The product launch: the plan approved, the drafts kept for later at the review gate.
    done, out = run(clone, example("run --brief-file examples/product_launch.md"),
                    stdin="a\n" + "k\n" * 40)  # fmt: skip
    assert done.returncode == 3, out  # 3: waiting at a gate
    assert "lw-101" in out.lower(), out
    assert "waiting at the review gate" in out, out


def test_shutdown_stops_the_embedded_redis(clone: Clone) -> None:
    done, out = run(clone, example("shutdown"), timeout=60)
    assert done.returncode == 0, out
    assert "stopped the embedded Redis" in out or "no embedded Redis runs" in out
    assert not (Path(clone.root / ".brandloom" / "redis" / "redis.sock")).exists() or (
        "no embedded Redis runs" in run(clone, example("shutdown"), timeout=60)[1]
    )


def test_bulk_job_on_workers(clone: Clone) -> None:
    """A foreground worker, a bulk job of the example products on it, followed to review,
    approved and followed to publication; then SIGTERM stops the worker."""
    worker = clone.start(*example("worker"))
    try:
        done, out = run(clone, example("bulk submit"), timeout=300)
        assert done.returncode == 0, out
        job_id = json.loads(done.stdout.strip().splitlines()[-1])["job_id"]
        skus = len((clone.root / "examples" / "products.csv").read_text().splitlines()) - 1
        follow = _with_job(example("bulk status JOB_ID"), job_id)
        done, out = run(clone, follow, timeout=1800)
        assert done.returncode == 0, out
        assert f"in review {skus}" in out or "failed" in out, out
        done, out = run(clone, _with_job(example("bulk approve JOB_ID"), job_id))
        assert done.returncode == 0 and "approved" in out, out
        approved = int(re.search(r"approved (\d+) items", out).group(1))  # type: ignore[union-attr]
        done, out = run(clone, follow, timeout=1800)
        assert done.returncode == 0, out
        assert f"published {approved}" in out, out
        receipts = list((clone.root / ".brandloom" / "outbox").glob(f"{job_id}-*/*.receipt.json"))
        assert len(receipts) == 3 * approved  # a description in two variants + an SEO snippet
    finally:
        stop_group(worker)
    assert worker.wait(timeout=60) is not None


def _with_job(argv: list[str], job_id: str) -> list[str]:
    return [job_id if part == "JOB_ID" else part for part in argv]
