"""``brandloom assets rollback`` in a subprocess: a new version equal to an old one goes back
through review and publish; bad input is one line, exit 2 (6 for a role), and changes nothing."""

from __future__ import annotations

from pathlib import Path

from tests.graph.cli.test_cli import BRIEF, brandloom, cells

REVISED = "a\ns\nshorter please\na\na\na\n"
"""Plan: approve; review: respond to post 01, approve post 02; post 01 v2: approve; publish."""


def listed(env: dict[str, str], thread_id: str) -> list[list[str]]:
    done = brandloom(env, "assets", "list", thread_id)
    assert done.returncode == 0, done.stderr
    return [cells(line) for line in done.stdout.splitlines() if "social_post-0" in line]


def test_rollback_republishes_the_old_text_with_a_new_receipt(cli_env, tmp_path: Path) -> None:
    run = brandloom(cli_env, "run", "--brief", BRIEF, "--thread-id", "cli-r1", stdin=REVISED)
    assert run.returncode == 0, run.stdout + run.stderr
    assert listed(cli_env, "cli-r1")[0] == ["social_post-01", "2", "published"]

    done = brandloom(cli_env, "assets", "rollback", "cli-r1", "social_post-01", "--to-version",
                     "1", "--user", "carol", "--reason", "legal asked")  # fmt: skip
    assert done.returncode == 3, done.stdout + done.stderr  # waits at the review gate
    assert "social_post-01: a new version equal to v1 waits at review" in done.stdout
    assert listed(cli_env, "cli-r1")[0] == ["social_post-01", "3", "review"]

    resumed = brandloom(cli_env, "resume", "cli-r1", "--auto-approve")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert listed(cli_env, "cli-r1") == [
        ["social_post-01", "3", "published"], ["social_post-02", "1", "published"],
    ]  # fmt: skip
    outbox = tmp_path / "data" / "outbox" / "cli-r1"
    v1 = brandloom(cli_env, "assets", "history", "cli-r1", "social_post-01")
    assert "copy of v1" in v1.stdout and "rolled_back" in v1.stdout, v1.stdout
    assert (outbox / "social_post-01.v2.receipt.json").is_file()  # the old receipt is kept
    assert (outbox / "social_post-01.v3.receipt.json").is_file()
    assert "v2 receipt " in v1.stdout and "v3 receipt " in v1.stdout, v1.stdout


BAD = [
    (["nope", "social_post-01", "--to-version", "1"], 2, "error: no campaign nope"),
    (["cli-r2", "banner", "--to-version", "1"], 2, "no asset 'banner' in campaign cli-r2"),
    (["cli-r2", "social_post-01", "--to-version", "9"], 2, "there is no v9"),
    (["cli-r2", "social_post-01", "--to-version", "1"], 2, "v1 is already the current"),
    (["cli-r2", "social_post-01", "--to-version", "0"], 2, "invalid version '0'"),
    (["cli-r2", "social_post-01"], 2, "Missing option '--to-version'"),
    (["cli-r2", "bad/id", "--to-version", "1"], 2, "invalid asset id 'bad/id'"),
    (["cli-r2", "social_post-01", "--to-version", "1", "--role", "viewer"], 6,
     "a viewer cannot edit"),
]  # fmt: skip


def test_bad_rollbacks_are_one_line_and_change_nothing(cli_env) -> None:
    run = brandloom(cli_env, "run", "--auto-approve", "--brief", BRIEF, "--thread-id", "cli-r2")
    assert run.returncode == 0, run.stderr
    before = listed(cli_env, "cli-r2")
    for args, code, message in BAD:
        done = brandloom(cli_env, "assets", "rollback", *args)
        assert done.returncode == code, (args, done.stdout + done.stderr)
        assert message in done.stderr, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, (args, done.stderr)
    assert listed(cli_env, "cli-r2") == before
