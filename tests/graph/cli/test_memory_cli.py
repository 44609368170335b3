"""``brandloom memory``: add with a progress bar, query, stats, reindex, roles and errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from graph.cli.memory import app
from tools.settings import get_settings

runner = CliRunner()


@pytest.fixture
def workspace(tmp_path, monkeypatch, embedded_redis):
    monkeypatch.setenv("BRANDLOOM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REDIS_URL", embedded_redis.url)
    monkeypatch.setenv("BRANDLOOM_MEMORY_BACKEND", "embedded")
    get_settings.cache_clear()
    (tmp_path / "voice.md").write_text("# Voice\n\nCalm and warm. Never use exclamation marks.")
    (tmp_path / "facts.csv").write_text("sku,name\nK-1,Aurora kettle\nT-2,Nimbus toaster\n")
    yield tmp_path
    get_settings.cache_clear()


def test_add_query_stats_reindex(workspace) -> None:
    files = [str(workspace / "voice.md"), str(workspace / "facts.csv")]
    added = runner.invoke(app, ["add", *files, "--brand", "Acme"])
    assert added.exit_code == 0, added.output
    assert "Embedding" in added.output and "Storing" in added.output
    assert "Acme: 2 files, 3 chunks: 3 added, 0 duplicates skipped" in added.output
    again = runner.invoke(app, ["add", files[0], "--brand", "Acme", "--kind", "fact"])
    assert "0 added, 1 duplicates skipped" in again.output
    style = runner.invoke(app, ["add", files[0], "--brand", "Acme", "--kind", "style_rule"])
    assert "1 added" in style.output
    found = runner.invoke(app, ["query", "toaster", "--brand", "Acme", "-k", "1"])
    assert found.exit_code == 0 and "Nimbus toaster" in found.output
    stats = runner.invoke(app, ["stats", "--brand", "Acme"])
    assert "style_rule" in stats.output and "Calm and warm" in stats.output
    reindexed = runner.invoke(app, ["reindex"])
    assert reindexed.exit_code == 0 and "re-embedded 0 items" in reindexed.output


def test_viewer_cannot_add_and_errors_are_one_plain_line(workspace) -> None:
    denied = runner.invoke(
        app, ["add", str(workspace / "voice.md"), "-b", "Acme", "--role", "viewer"]
    )
    assert denied.exit_code == 6 and "editors and approvers only" in denied.output
    assert "error" not in denied.stdout  # errors go to stderr, never mixed into results
    unknown = runner.invoke(app, ["stats", "--brand", "Initech"])
    assert (
        unknown.exit_code == 2 and "Initech" in unknown.output and "Traceback" not in unknown.output
    )
    (workspace / "empty.md").write_text("")
    empty = runner.invoke(app, ["add", str(workspace / "empty.md"), "-b", "Acme"])
    assert empty.exit_code == 2 and "empty.md: the file has no text" in empty.output
