"""``brandloom bulk`` on the embedded defaults: bad files refused with nothing enqueued; a
small job runs on the local pool the CLI starts itself, is approved and published, and
``brandloom shutdown`` stops the pool."""

from __future__ import annotations

import json
import time
from pathlib import Path

import redis

from tests.graph.service.bulk.support import BRIEF, brandloom, clean_env, products_csv, wait_until
from tools.settings import Settings


def status(env: dict[str, str], job_id: str) -> dict[str, int]:
    done = brandloom(env, "bulk", "status", job_id, "--json")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout)["counts"])


def test_bad_products_file_enqueues_nothing(tmp_path: Path) -> None:
    env = clean_env(BRANDLOOM_DATA_DIR=str(tmp_path / "data"))
    brief = tmp_path / "brief.md"
    brief.write_text(BRIEF, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,name\nA,One\nA,Two\n,\n", encoding="utf-8")
    done = brandloom(env, "bulk", "submit", "--brief-file", str(brief), "--products-file", str(bad))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: products file {bad} has 2 problems: line 3: duplicate SKU 'A' (first on line "
        "2); line 4: empty row"
    ]
    assert not (tmp_path / "data" / "workers.pid").exists()
    status = brandloom(env, "bulk", "status", "nope")
    assert status.returncode == 2 and "invalid job id 'nope'" in status.stderr
    assert not (tmp_path / "data" / "content.sqlite3").exists()  # nothing stored


def test_small_job_on_the_embedded_defaults(tmp_path: Path) -> None:
    env = clean_env(BRANDLOOM_DATA_DIR=str(tmp_path / "data"))
    brief = tmp_path / "brief.md"
    brief.write_text(BRIEF, encoding="utf-8")
    products = products_csv(tmp_path / "products.csv", 4)
    started = brandloom(env, "bulk", "submit", "--brief-file", str(brief),
                        "--products-file", str(products))  # fmt: skip
    assert started.returncode == 0, started.stderr
    assert "started a local worker pool" in started.stdout
    job_id = started.stdout.split("bulk job ", 1)[1].split(":", 1)[0]
    pool_pid = int((tmp_path / "data" / "workers.pid").read_text())
    try:
        wait_until(lambda: status(env, job_id)["in_review"] == 4, 300, "4 SKUs at review")
        assert brandloom(env, "bulk", "approve", job_id).returncode == 2  # --passing needed
        approved = brandloom(env, "bulk", "approve", job_id, "--passing")
        assert "approved 4 items" in approved.stdout, approved.stderr
        wait_until(lambda: status(env, job_id)["published"] == 4, 300, "4 SKUs published")
        assert brandloom(env, "bulk", "pause", job_id).returncode == 0
        assert (
            json.loads(brandloom(env, "bulk", "status", job_id, "--json").stdout)["status"]
            == "paused"
        )
        assert brandloom(env, "bulk", "status", "job-nope").returncode == 2
    finally:
        stopped = brandloom(env, "shutdown")
    assert "stopped the worker pool" in stopped.stdout, stopped.stderr
    time.sleep(0.5)
    assert (
        not Path(f"/proc/{pool_pid}").exists()
        or "State:\tZ" in Path(f"/proc/{pool_pid}/status").read_text()
    )
    socket_path = Settings(data_dir=tmp_path / "data").redis_dir
    assert not list(socket_path.glob("*.sock")) or not _answers(socket_path)
    receipts = list((tmp_path / "data" / "outbox").rglob("*.json"))
    assert receipts, "nothing was published to the outbox"


def _answers(redis_dir: Path) -> bool:
    for sock in redis_dir.glob("*.sock"):
        try:
            return bool(redis.Redis(unix_socket_path=str(sock)).ping())
        except redis.RedisError:
            return False
    return False
