"""The connector seam: one registry line per connector file, a route per channel, the CLI."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tools.connectors.webhook_receiver import running_receiver
from tools.connectors.base import PublishItem
from tools.connectors.registry import CONNECTORS, ConnectorRouter
from tools.errors import ConfigError
from tools.settings import Settings

REPO = Path(__file__).resolve().parents[3]
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def item(channel: str) -> PublishItem:
    return PublishItem(
        thread_id="camp-1", asset_id=f"{channel}-01", version=1, asset_kind=channel,
        channel=channel, title="Spring", text="Spring is here.",
    )  # fmt: skip


def test_every_registered_connector_is_one_file() -> None:
    for name, module in CONNECTORS.items():
        assert (REPO / (module.replace(".", "/") + ".py")).is_file(), name
        assert module.endswith(name.replace("/", "."))


def test_defaults_route_every_channel_to_the_outbox(tmp_path: Path) -> None:
    router = ConnectorRouter(Settings(_env_file=None, data_dir=tmp_path))
    receipt = router.publish(item("newsletter"))
    assert receipt.connector == "outbox/v1"
    assert (tmp_path / "outbox" / "camp-1" / "newsletter-01.v1.md").is_file()


def test_channels_route_to_their_connector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with running_receiver(SECRET) as receiver:
        monkeypatch.setenv("BRANDLOOM_CONNECTORS", '{"social_post": "webhook/v1"}')
        monkeypatch.setenv("BRANDLOOM_CONNECTORS_LIVE", "social_post")
        monkeypatch.setenv("BRANDLOOM_WEBHOOK_URL", receiver.url)
        monkeypatch.setenv("BRANDLOOM_WEBHOOK_SECRET", SECRET)
        router = ConnectorRouter(Settings(_env_file=None, data_dir=tmp_path))
        posted = router.publish(item("social_post"))
        filed = router.publish(item("newsletter"))
    assert (posted.connector, posted.live, filed.connector) == ("webhook/v1", True, "outbox/v1")
    assert receiver.deliveries == 1


def test_an_unknown_connector_is_a_config_error(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, connectors={"x": "ftp/v9"})
    with pytest.raises(ConfigError, match=r"unknown connector 'ftp/v9'; known: .*outbox/v1"):
        ConnectorRouter(settings)


def _cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BRANDLOOM_")}
    clean |= {"BRANDLOOM_DATA_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-m", "graph.cli", "connectors", *args],
        cwd=REPO, env=clean, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_cli_lists_connectors_one_line_each(tmp_path: Path) -> None:
    result = _cli(tmp_path, "list", BRANDLOOM_CONNECTORS='{"social_post": "webhook/v1"}')
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "outbox/v1: every other channel" in lines
    assert "webhook/v1: social_post (drafts)" in lines
    assert len(lines) == len(CONNECTORS)


def test_cli_checks_the_outbox(tmp_path: Path) -> None:
    result = _cli(tmp_path, "check", "outbox/v1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"outbox/v1: ok, writes markdown files into {tmp_path}/outbox"


def test_cli_check_of_a_reachable_webhook(tmp_path: Path) -> None:
    with running_receiver(SECRET) as receiver:
        env = {"BRANDLOOM_WEBHOOK_URL": receiver.url, "BRANDLOOM_WEBHOOK_SECRET": SECRET}
        result = _cli(tmp_path, "check", "webhook/v1", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("webhook/v1: ok, signed ping accepted")


def test_cli_check_failures_are_one_line_without_the_secret(tmp_path: Path) -> None:
    missing = _cli(tmp_path, "check", "webhook/v1")
    assert missing.returncode == 9
    wanted = "set BRANDLOOM_WEBHOOK_URL and BRANDLOOM_WEBHOOK_SECRET (whsec_...)"
    assert missing.stderr.strip().endswith(wanted)
    with running_receiver(SECRET) as receiver:
        url = receiver.url
    env = {"BRANDLOOM_WEBHOOK_URL": url, "BRANDLOOM_WEBHOOK_SECRET": SECRET}
    env |= {"BRANDLOOM_CONNECTOR_MAX_RETRIES": "1", "BRANDLOOM_CONNECTOR_BACKOFF_SECONDS": "0"}
    down = _cli(tmp_path, "check", "webhook/v1", **env)
    assert down.returncode == 7 and len(down.stderr.strip().splitlines()) == 1
    assert "cannot reach" in down.stderr and SECRET[6:] not in down.stderr + down.stdout
    unknown = _cli(tmp_path, "check", "ftp/v9")
    assert unknown.returncode == 9 and "unknown connector 'ftp/v9'" in unknown.stderr
