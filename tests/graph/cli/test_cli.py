"""The ``brandloom`` CLI in a subprocess: bad input is one line and a non-zero exit; scripted
campaigns run end to end (auto-approve and answered on the terminal)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.openai_server import hanging_openai_server
from tools.redis_server import EmbeddedRedis

BRIEF = "Brand: Loomwell\nGoal: spring launch\n\n2 social posts"


def brandloom(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[3],
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run"], "give exactly one of --brief TEXT or --brief-file FILE"),
        (["run", "--brief", "x", "--brief-file", "y"], "give exactly one of"),
        (["run", "--brief-file", "/nonexistent/brief.md"], "cannot read brief file"),
        (["run", "--brief", ""], "the brief is empty"),
        (["run", "--brief", "Tone: sarcastic\n2 posts"], "unknown tone"),
        (["run", "--brief", BRIEF, "--budget", "lots"], "Invalid value for '--budget'"),
        (["resume", "no-such-campaign"], "no campaign no-such-campaign"),
        (["stop", "no-such-campaign"], "campaign no-such-campaign is not running"),
        (["stop", "bad id!"], "invalid campaign id"),
        (["frobnicate"], "No such command 'frobnicate'"),
        (["assets", "list", "no-such-campaign"], "no campaign no-such-campaign"),
        (["assets", "list", "bad id!"], "invalid campaign id"),
        (["assets", "history", "no-such-campaign", "newsletter"], "no campaign no-such-campaign"),
        (["assets", "history", "cli-t1", "bad asset!"], "invalid asset id"),
        (["kpis", "--since", "last tuesday"], "invalid --since"),
    ],
)
def test_bad_arguments_print_one_line_and_fail(cli_env, args: list[str], message: str) -> None:
    result = brandloom(cli_env, *args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_auto_approved_campaign_runs_to_published(cli_env, tmp_path: Path) -> None:
    result = brandloom(cli_env, "run", "--auto-approve", "--brief", BRIEF, "--thread-id", "cli-t1")
    assert result.returncode == 0, result.stderr
    assert "published" in result.stdout and "6/6" in result.stdout  # scripted:echo drafts pass
    outbox = tmp_path / "data" / "outbox" / "cli-t1"
    assert len(list(outbox.glob("*.receipt.json"))) == 2
    again = brandloom(cli_env, "resume", "cli-t1")
    assert again.returncode == 0 and "published" in again.stdout


def cells(row: str) -> list[str]:
    """The cells of one line of a rich table."""
    return [cell.strip() for cell in row.strip().strip("│").split("│")]


def test_a_campaign_is_read_back_from_the_content_store(cli_env, tmp_path: Path) -> None:
    run = brandloom(cli_env, "run", "--auto-approve", "--brief", BRIEF, "--thread-id", "cli-s1")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "data" / "content.sqlite3").is_file()  # the default store, no settings

    listed = brandloom(cli_env, "assets", "list", "cli-s1")
    assert listed.returncode == 0, listed.stderr
    rows = [cells(line) for line in listed.stdout.splitlines() if "social_post-0" in line]
    assert rows == [["social_post-01", "1", "published"], ["social_post-02", "1", "published"]]

    history = brandloom(cli_env, "assets", "history", "cli-s1", "social_post-01")
    assert history.returncode == 0, history.stderr
    assert "History of social_post-01" in history.stdout
    row = next(cells(line) for line in history.stdout.splitlines() if line.startswith("│ 1 "))
    version, status, author, models, _memory, checks, decisions, receipt = row
    assert (version, status, author, models) == ("1", "published", "copywriter", "scripted:echo")
    assert "length ok" in checks and "FAIL" not in checks
    assert decisions == "approve by user:cli"
    assert receipt.startswith(str(tmp_path)[:20]), receipt
    location = str(tmp_path / "data" / "outbox" / "cli-s1" / "social_post-01")
    assert "v1 receipt " in history.stdout and location in history.stdout, history.stdout

    report = brandloom(cli_env, "kpis", "--brand", "Loomwell", "--json")
    assert report.returncode == 0, report.stderr
    kpis = json.loads(report.stdout)
    assert kpis["brand"] == "Loomwell" and kpis["campaigns"] == 1
    assert kpis["approved_assets"] == 2 and kpis["published_assets"] == 2
    assert kpis["model_calls"] >= 2 and kpis["first_pass_approval_rate"] == 1.0
    other = json.loads(brandloom(cli_env, "kpis", "--brand", "Nobody", "--json").stdout)
    assert other["approved_assets"] == 0 and other["campaigns"] == 0
    later = json.loads(brandloom(cli_env, "kpis", "--since", "2999-01-01", "--json").stdout)
    assert later["campaigns"] == 0
    table = brandloom(cli_env, "kpis")
    assert table.returncode == 0 and "approved assets" in table.stdout

    unknown = brandloom(cli_env, "assets", "history", "cli-s1", "no-such-asset")
    assert unknown.returncode == 2 and "no asset no-such-asset in campaign cli-s1" in unknown.stderr


def test_gates_answered_on_the_terminal(cli_env, tmp_path: Path) -> None:
    result = brandloom(
        cli_env, "run", "--brief", BRIEF, "--thread-id", "cli-t2", stdin="r\nnot this week\n"
    )
    assert result.returncode == 0, result.stderr
    assert "plan rejected: not this week" in result.stdout
    assert not (tmp_path / "data" / "outbox" / "cli-t2").exists()


def test_products_file_campaign(cli_env, tmp_path: Path) -> None:
    products = Path(__file__).resolve().parents[3] / "examples" / "products.csv"
    brief = "Brand: Loomwell\nProduct descriptions with an SEO title and meta for these products."
    result = brandloom(
        cli_env, "run", "--auto-approve", "--brief", brief, "--products-file", str(products),
        "--thread-id", "cli-t3",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    receipts = sorted(
        p.name for p in (tmp_path / "data" / "outbox" / "cli-t3").glob("*.receipt.json")
    )
    assert len(receipts) == 8 and "seo_meta-lw-104.v1.receipt.json" in receipts


@pytest.fixture
def hanging_model() -> Iterator[tuple[str, threading.Event]]:
    """An OpenAI-compatible endpoint that takes requests and never answers them."""
    with hanging_openai_server(60) as endpoint:
        yield endpoint


def run_on_a_hanging_model(
    cli_env: dict[str, str], hanging_model: tuple[str, threading.Event], thread_id: str
) -> subprocess.Popen[str]:
    """``brandloom run`` in the background, returned once its first model call hangs."""
    base_url, called = hanging_model
    env = {**cli_env, "BRANDLOOM_MODEL_WRITER": "openai:gpt-4.1-mini", "OPENAI_BASE_URL": base_url,
           "OPENAI_API_KEY": "test-key", "BRANDLOOM_TASK_TIMEOUT_SECONDS": "3"}  # fmt: skip
    args = [sys.executable, "-m", "graph.cli", "run", "--auto-approve", "--brief", BRIEF,
            "--thread-id", thread_id]  # fmt: skip
    proc = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert called.wait(120), "the model was never called"
    return proc


def test_ctrl_c_pauses_at_the_next_step_and_resume_finishes(cli_env, hanging_model) -> None:
    proc = run_on_a_hanging_model(cli_env, hanging_model, "cli-t4")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, err  # paused: resume continues it
    assert "stopping at the next step boundary" in out and "brandloom resume cli-t4" in out
    resumed = brandloom(cli_env, "resume", "cli-t4", "--auto-approve")
    assert resumed.returncode == 0, resumed.stderr
    assert "published" in resumed.stdout


def test_stop_from_another_terminal_pauses_the_run(cli_env, hanging_model) -> None:
    proc = run_on_a_hanging_model(cli_env, hanging_model, "cli-t5")
    stopped = brandloom(cli_env, "stop", "cli-t5")
    assert stopped.returncode == 0, stopped.stderr
    assert "asked campaign cli-t5 to stop" in stopped.stdout
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, err  # stopped: resume continues it
    assert "brandloom resume cli-t5" in out and "published" not in out
    again = brandloom(cli_env, "stop", "cli-t5")
    assert again.returncode == 2 and "is not running" in again.stderr
    resumed = brandloom(cli_env, "resume", "cli-t5", "--auto-approve")
    assert resumed.returncode == 0, resumed.stderr
    assert "published" in resumed.stdout


def test_doctor_exits_1_with_one_line_per_failing_part(cli_env, tmp_path: Path) -> None:
    ok = brandloom(cli_env, "doctor", "--quick")
    assert ok.returncode == 0, ok.stderr
    assert str(tmp_path / "data") in ok.stdout
    broken = brandloom(
        {**cli_env, "BRANDLOOM_MODEL_WRITER": "openai:gpt-4.1-mini", "OPENAI_API_KEY": ""},
        "doctor",
        "--quick",
    )
    assert broken.returncode == 1
    assert broken.stderr.strip().splitlines() == [
        "error: model writer: openai:gpt-4.1-mini needs OPENAI_API_KEY "
        "(or OPENAI_BASE_URL for a compatible server)"
    ]


def test_shutdown_stops_only_an_embedded_redis(cli_env, tmp_path: Path) -> None:
    external = brandloom(cli_env, "shutdown")
    assert external.returncode == 0
    assert "REDIS_URL names an external Redis" in external.stdout
    own = {key: value for key, value in cli_env.items() if key != "REDIS_URL"}
    EmbeddedRedis(tmp_path / "data" / "redis").start()
    stopped = brandloom(own, "shutdown")
    assert stopped.returncode == 0, stopped.stderr
    assert f"stopped the embedded Redis of {tmp_path / 'data'}" in stopped.stdout
    assert not EmbeddedRedis(tmp_path / "data" / "redis").is_up()
    again = brandloom(own, "shutdown")
    assert "no embedded Redis runs" in again.stdout
