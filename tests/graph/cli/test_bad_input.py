"""The bad-input corpus: every bad brief, budget, count, CSV, id, role and file is refused with
a clear one-line message and exit code 2 (6 for roles) before anything is saved, enqueued or
published; every exit code of ``brandloom`` tells the truth (README "Exit codes").

"Nothing saved" means: no Redis key names the campaign (checkpoints, lease, event log), and no
outbox folder exists for it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from tests.fakes.openai_server import hanging_openai_server
from tests.graph.cli.test_cli import BRIEF, brandloom
from tools.redis_server import EmbeddedRedis

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def env(tmp_path: Path, embedded_redis: EmbeddedRedis) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BRANDLOOM_")}
    return base | {
        "BRANDLOOM_DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": embedded_redis.url,
        "BRANDLOOM_MODEL_WRITER": "scripted:echo",
        "BRANDLOOM_MODEL_ROUTER": "scripted",
        "BRANDLOOM_MODEL_CRITIC": "scripted",
        "BRANDLOOM_CAMPAIGN_MEMORY": "false",
        "BRANDLOOM_CAMPAIGN_TRIAGE": "false",
        "BRANDLOOM_MODEL_RETRY_BASE_SECONDS": "0.01",
        "COLUMNS": "200",
    }


def nothing_saved(redis_client: redis.Redis, data_dir: Path, thread_id: str) -> bool:
    keys = list(redis_client.scan_iter(match=f"*{thread_id}*", count=1000))
    return not keys and not (data_dir / "outbox" / thread_id).exists()


def product_rows(count: int) -> str:
    return "sku,name\n" + "\n".join(f"SKU-{i},Linen item {i}" for i in range(count)) + "\n"


PRODUCT_BRIEF = "Brand: Loomwell\nProduct descriptions, SEO meta and two A/B variants."

# (case id, brief text or None, products file text or bytes or None, extra args, code, message)
CASES = [
    ("count-10000", "Brand: L\n10000 social posts", None, [], 2,
     "line 2: 10,000 social posts asked for, at most 100"),
    ("count-thousands-sep", "Brand: L\n10,000 social posts", None, [], 2,
     "line 2: 10,000 social posts asked for, at most 100"),
    ("count-zero", "Brand: L\n0 newsletters", None, [], 2,
     "line 2: '0 newsletters': ask for at least one"),
    ("count-variants", "Brand: L\n9 A/B variants of product copy", product_rows(2), [], 2,
     "9 A/B variants asked for, at most 5"),
    ("budget-negative", "Budget: -$5\n2 social posts", None, [], 2,
     "line 1: budget '-$5' is not an amount in USD"),
    ("budget-huge", "Budget: $999999999999999999999\n2 social posts", None, [], 2,
     "above the limit of $1,000.00"),
    ("budget-exponent", "Budget: 1e9\n2 social posts", None, [], 2,
     "budget '1e9' is not an amount"),
    ("budget-word", "Budget: lots\n2 social posts", None, [], 2, "budget 'lots' is not an amount"),
    ("budget-option-huge", BRIEF, None, ["--budget", "1e308"], 2, "above the limit of $1,000.00"),
    ("budget-option-nan", BRIEF, None, ["--budget", "nan"], 2, "at least $0, not nan"),
    ("budget-option-negative", BRIEF, None, ["--budget", "-1"], 2, "at least $0, not -1.0"),
    ("budget-option-word", BRIEF, None, ["--budget", "lots"], 2, "Invalid value for '--budget'"),
    ("nothing-to-make", "Brand: L\nMake people happy about linen", None, [], 2,
     "the brief names no deliverables"),
    ("header-only-csv", PRODUCT_BRIEF, "sku,name,features\n", [], 2,
     "the product list has a header but no products"),
    ("csv-without-key-column", PRODUCT_BRIEF, "colour,size\nred,L\n", [], 2,
     "needs a header row with a 'sku' or 'name' column"),
    ("csv-plan-too-big", PRODUCT_BRIEF, product_rows(5000), [], 2,
     "the brief asks for 15,000 deliverables, a plan holds at most 10,000"),
    ("csv-too-many-products", PRODUCT_BRIEF, product_rows(5001), [], 2, "too many products: 5001"),
    ("csv-duplicate-skus", PRODUCT_BRIEF, "sku,name\nLW-1,A\nlw-1,B\n", [], 2,
     "would share the asset id 'lw-1'"),
    ("csv-not-utf8", PRODUCT_BRIEF, b"sku,name\n\xff\xfe,x\n", [], 2, "cannot read products file"),
    ("products-for-nothing", "Brand: L\nProduct descriptions for our range", None, [], 2,
     "product descriptions need products"),
    ("zero-width-brief", "\u200b\u200c\u200d\ufeff", None, [], 2, "the brief is empty"),
    ("all-problems-at-once", "Tone: sarcastic\nBudget: -$5\nDue: soon\n500 social posts", None, [],
     2, "the brief has 4 problems: line 1: unknown tone"),
    ("bad-thread-id", BRIEF, None, ["--thread-id", "bad id!"], 2, "invalid campaign id"),
    ("role-unknown", BRIEF, None, ["--role", "god"], 2, "unknown role 'god'"),
    ("role-god-auto-approve", BRIEF, None, ["--role", "god", "--auto-approve"], 2,
     "unknown role 'god'"),
    ("role-viewer-auto-approve", BRIEF, None, ["--role", "viewer", "--auto-approve"], 6,
     "a viewer cannot commission campaigns"),
    ("role-editor-auto-approve", BRIEF, None, ["--role", "editor", "--auto-approve"], 6,
     "--auto-approve publishes: it needs --role approver, not editor"),
    ("role-viewer", BRIEF, None, ["--role", "viewer"], 6, "a viewer cannot commission campaigns"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("brief", "products", "extra", "code", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_input_is_refused_before_anything_is_saved(
    env, tmp_path: Path, redis_client, request, brief, products, extra, code, message
) -> None:
    thread_id = f"bad-{request.node.callspec.id}"[:60]
    args = ["run", "--brief", brief, *extra]
    if "--thread-id" not in extra:
        args += ["--thread-id", thread_id]
    if products is not None:
        path = tmp_path / "products.csv"
        path.write_bytes(products if isinstance(products, bytes) else products.encode())
        args += ["--products-file", str(path)]
    result = brandloom(env, *args)
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert nothing_saved(redis_client, tmp_path / "data", thread_id)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["resume", "bad id!"], 2, "invalid campaign id"),
        (["resume", "no-such-campaign-x"], 2, "no campaign no-such-campaign-x"),
        (["resume", "any-campaign", "--role", "viewer"], 6, "a viewer cannot edit, run or stop"),
        (["resume", "any-campaign", "--role", "root"], 2, "unknown role 'root'"),
        (
            ["resume", "any-campaign", "--role", "editor", "--auto-approve"],
            6,
            "needs --role approver",
        ),
        (["stop", "not-running-x"], 2, "campaign not-running-x is not running"),
        (["run", "--brief-file", "/nonexistent/brief.md"], 2, "cannot read brief file"),
        (["run", "--brief", BRIEF, "--brief-file", "x.md"], 2, "give exactly one of"),
        (["run", "--brief", "x" * 50, "--unknown-option"], 2, "No such option"),
    ],
)
def test_bad_ids_roles_files_and_options(env, args, code, message) -> None:
    result = brandloom(env, *args)
    assert result.returncode == code, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_bad_input_is_refused_before_models_or_redis_load(env, tmp_path: Path) -> None:
    """A bad budget or id is refused at once, not after loading a model: with an unreachable
    Redis and an unusable model configured, the answer is still the bad-input line."""
    broken = env | {"REDIS_URL": "redis://127.0.0.1:1/0", "BRANDLOOM_MODEL_WRITER": "local:nope"}
    for args, message in [
        (["--budget", "1e308"], "above the limit"),
        (["--thread-id", "../x"], "invalid campaign id"),
        (["--role", "viewer", "--auto-approve"], "a viewer cannot"),
    ]:
        result = brandloom(broken, "run", "--brief", BRIEF, *args)
        # Reaching Redis would exit 7, loading the model 9: the bad-input code proves neither ran.
        assert result.returncode in (2, 6) and message in result.stderr, result.stderr


def test_json_reports_errors_with_their_exit_code(env) -> None:
    result = brandloom(env, "run", "--json", "--brief", "Budget: 1e9\n2 posts")
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert report["exit_code"] == 2 and report["exit_reason"] == "bad_input"
    assert "budget '1e9'" in report["error"]


# --- exit codes of runs ----------------------------------------------------------------------


def test_zero_budget_exits_4_and_so_does_its_resume(env, tmp_path: Path) -> None:
    result = brandloom(env, "run", "--auto-approve", "--json", "--brief", BRIEF, "--budget", "0",
                       "--thread-id", "budget-0")  # fmt: skip
    assert result.returncode == 4, result.stderr
    report = json.loads(result.stdout)
    assert report["exit_code"] == 4 and report["phase"] == "budget_exceeded"
    assert report["published"] == 0 and "campaign budget exceeded" in report["stop_reason"]
    again = brandloom(env, "resume", "budget-0", "--auto-approve")
    assert again.returncode == 4 and "campaign budget exceeded" in again.stdout
    assert not (tmp_path / "data" / "outbox" / "budget-0").exists()


def test_provider_down_for_the_whole_run_exits_5_and_publishes_nothing(env, tmp_path) -> None:
    faulty = env | {"BRANDLOOM_MODEL_WRITER": "faulty:echo?down=true",
                    "BRANDLOOM_MODEL_MAX_RETRIES": "1"}  # fmt: skip
    result = brandloom(faulty, "run", "--auto-approve", "--json", "--brief", BRIEF,
                       "--thread-id", "down-1")  # fmt: skip
    assert result.returncode == 5, result.stderr
    report = json.loads(result.stdout)
    assert (report["exit_code"], report["published"], report["failed"]) == (5, 0, 2)
    assert "nothing was published" in result.stderr  # --json: the human report is on stderr
    assert not (tmp_path / "data" / "outbox" / "down-1").exists()


def test_injected_provider_faults_are_retried_and_the_campaign_publishes(env, tmp_path) -> None:
    faulty = env | {"BRANDLOOM_MODEL_WRITER": "faulty:echo?error_rate=0.3&rate_limit=0.2&seed=3"}
    result = brandloom(faulty, "run", "--auto-approve", "--brief", BRIEF, "--thread-id", "flaky-1")
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "data" / "outbox" / "flaky-1").glob("*.receipt.json"))) == 2


def test_an_editor_stops_at_the_publish_gate_with_3_and_an_approver_publishes(env, tmp_path):
    result = brandloom(env, "run", "--role", "editor", "--brief", BRIEF, "--thread-id", "ed-1",
                       stdin="a\na\na\n")  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "only an approver can publish" in result.stdout
    assert "waiting at the publish gate" in result.stdout
    assert not (tmp_path / "data" / "outbox" / "ed-1").exists()
    waiting = brandloom(env, "resume", "ed-1", "--role", "editor")
    assert waiting.returncode == 3
    published = brandloom(env, "resume", "ed-1", "--auto-approve", "--json")
    assert published.returncode == 0, published.stderr
    assert json.loads(published.stdout)["published"] == 2


# --- outages and crashes ---------------------------------------------------------------------


def test_redis_down_from_the_start_is_one_line_naming_it(env) -> None:
    result = brandloom(env | {"REDIS_URL": "redis://127.0.0.1:1/0"}, "run", "--brief", BRIEF)
    assert result.returncode == 7, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "the Redis at 127.0.0.1:1 is unreachable" in lines[0], lines
    assert "REDIS_URL" in lines[0] and "Traceback" not in result.stdout + result.stderr


def _run_on_hanging_model(
    env: dict[str, str], endpoint: str, thread_id: str
) -> subprocess.Popen[str]:
    hanging = env | {"BRANDLOOM_MODEL_WRITER": "openai:gpt-4.1-mini", "OPENAI_BASE_URL": endpoint,
                     "OPENAI_API_KEY": "test-key", "BRANDLOOM_TASK_TIMEOUT_SECONDS": "4",
                     "BRANDLOOM_MODEL_MAX_RETRIES": "0"}  # fmt: skip
    args = [sys.executable, "-m", "graph.cli", "run", "--auto-approve", "--brief", BRIEF,
            "--thread-id", thread_id]  # fmt: skip
    return subprocess.Popen(
        args, env=hanging, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_redis_going_away_mid_run_is_one_line_without_traceback(env, tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "own-redis")
    url = server.start()
    try:
        with hanging_openai_server(60) as (endpoint, called):
            proc = _run_on_hanging_model(env | {"REDIS_URL": url}, endpoint, "outage-1")
            assert called.wait(120), "the model was never called"
            server.stop()
            out, err = proc.communicate(timeout=120)
    finally:
        server.stop()
    assert proc.returncode == 7, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "the Redis at " in lines[0] and "is unreachable" in lines[0]
    assert "brandloom resume" in lines[0] and "Traceback" not in out + err


def test_resume_after_sigkill_takes_over_the_dead_runs_lease_at_once(env, tmp_path) -> None:
    slow = env | {"BRANDLOOM_CHECKPOINT_LEASE_SECONDS": "3600"}  # waiting it out is no option
    with hanging_openai_server(60) as (endpoint, called):
        proc = _run_on_hanging_model(slow, endpoint, "killed-1")
        assert called.wait(120), "the model was never called"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    resumed = brandloom(slow, "resume", "killed-1", "--auto-approve")
    assert resumed.returncode == 0, resumed.stderr
    assert "published" in resumed.stdout and "campaign busy" not in resumed.stdout
    assert not list((tmp_path / "data" / "outbox" / "killed-1").glob("*.tmp"))


def test_demo_on_the_defaults_exits_0_when_published(tmp_path: Path) -> None:
    """The twin of the tests above without a configured data dir or Redis: ``make demo``'s
    command from a fresh folder (relative ``.brandloom``, embedded Redis) exits 0."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("BRANDLOOM_")}
    base.pop("REDIS_URL", None)
    env = base | {
        "PYTHONPATH": str(REPO),
        "BRANDLOOM_MODEL_WRITER": "scripted:echo",
        "BRANDLOOM_MODEL_ROUTER": "scripted",
        "BRANDLOOM_MODEL_CRITIC": "scripted",
        "BRANDLOOM_CAMPAIGN_MEMORY": "false",
        "BRANDLOOM_CAMPAIGN_TRIAGE": "false",
    }
    args = [sys.executable, "-m", "graph.cli", "run", "--auto-approve", "--brief-file",
            str(REPO / "examples" / "spring_launch.md"), "--thread-id", "demo-1"]  # fmt: skip
    try:
        result = subprocess.run(
            args, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
    finally:
        EmbeddedRedis(tmp_path / ".brandloom" / "redis").stop()
    assert result.returncode == 0, result.stderr
    receipts = list((tmp_path / ".brandloom" / "outbox" / "demo-1").glob("*.receipt.json"))
    assert len(receipts) == 12
