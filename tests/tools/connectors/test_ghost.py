"""ghost/v5 against a real Ghost on SQLite on loopback (conftest ``ghost``)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.tools.connectors.conftest import FaultyTransport, GhostSite
from tools.connectors.base import PublishItem, iso_utc
from tools.connectors.errors import ConnectorAuthFailed, ConnectorUnavailable
from tools.connectors.ghost.v5 import GhostConnector, admin_token
from tools.connectors.ledger import FileLedger
from tools.connectors.registry import ConnectorParts, build
from tools.connectors.wordpress.v2 import slug_of
from tools.settings import Settings


def item(asset: str, version: int = 1, text: str = "<p>Spring linen is here.</p>") -> PublishItem:
    return PublishItem(
        thread_id="camp-ghost", asset_id=asset, version=version, asset_kind="newsletter",
        channel="newsletter", title="Spring linen", text=text,
    )  # fmt: skip


def connector(
    site: GhostSite, root: Path, *, live: bool = False, key: str | None = None,
    url: str | None = None, retries: int = 3,
) -> tuple[GhostConnector, list[float], FaultyTransport]:  # fmt: skip
    settings = Settings(
        _env_file=None, data_dir=root, ghost_url=url or site.url,
        ghost_admin_key=key or site.admin_key, connector_max_retries=retries,
        connector_backoff_seconds=0.01,
    )  # fmt: skip
    delays: list[float] = []
    transport = FaultyTransport()
    parts = ConnectorParts(
        settings=settings, ledger=FileLedger(root / "ledger"),
        client=httpx.Client(transport=transport, timeout=30), live=live, sleep=delays.append,
    )  # fmt: skip
    built = build("ghost/v5", parts)
    assert isinstance(built, GhostConnector)
    return built, delays, transport


def admin(site: GhostSite, method: str, path: str, body: Any = None) -> Any:
    """A person's call through the Admin API (the site as it really is)."""
    token = admin_token(site.admin_key, time.time())
    answer = httpx.request(
        method, f"{site.url}/ghost/api/admin/{path}", json=body, timeout=30,
        headers={"Authorization": f"Ghost {token}", "Accept-Version": "v5.0"},
    )  # fmt: skip
    answer.raise_for_status()
    return answer.json()


def posts_with_slug(site: GhostSite, slug: str) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = admin(site, "GET", f"posts/?filter=slug:{slug}")["posts"]
    return posts


def test_publish_creates_a_draft(ghost: GhostSite, tmp_path: Path) -> None:
    gh, _, _ = connector(ghost, tmp_path)
    receipt = gh.publish(item("news-a"))
    (post,) = posts_with_slug(ghost, slug_of(item("news-a")))
    assert post["status"] == "draft" and post["id"] == receipt.remote_id
    assert receipt.remote_version == post["updated_at"] and not receipt.live


def test_republish_returns_the_same_receipt(ghost: GhostSite, tmp_path: Path) -> None:
    gh, _, _ = connector(ghost, tmp_path)
    first = gh.publish(item("news-b"))
    again, _, _ = connector(ghost, tmp_path)
    assert again.publish(item("news-b")) == first
    assert len(posts_with_slug(ghost, slug_of(item("news-b")))) == 1


def test_crash_between_create_and_receipt_then_resume(ghost: GhostSite, tmp_path: Path) -> None:
    gh, _, _ = connector(ghost, tmp_path)
    gh.ledger.begin(gh.target, item("news-c"))
    created = gh.create(item("news-c"))
    resumed, _, _ = connector(ghost, tmp_path)
    assert resumed.publish(item("news-c")).remote_id == created.remote_id
    assert len(posts_with_slug(ghost, slug_of(item("news-c")))) == 1


def test_update_after_a_human_edit_re_reads_updated_at_on_409(
    ghost: GhostSite, tmp_path: Path
) -> None:
    gh, _, transport = connector(ghost, tmp_path, live=True)
    first = gh.publish(item("news-d"))
    stale = gh.find(item("news-d"), first)
    assert stale is not None
    time.sleep(1.1)  # Ghost's updated_at has one-second resolution
    edit = {"title": "Edited by a person", "updated_at": stale.remote_version}
    admin(ghost, "PUT", f"posts/{first.remote_id}/", {"posts": [edit]})
    second = gh.update(item("news-d", version=2, text="<p>Version two.</p>"), stale)  # 409 first
    (post,) = admin(ghost, "GET", f"posts/{first.remote_id}/?formats=html")["posts"]
    assert second.remote_id == first.remote_id and "Version two." in post["html"]
    assert post["status"] == "published" and post["title"] == "Spring linen"
    assert transport.statuses[-3:] == [409, 200, 200]  # collision, re-read, update


def test_429_5xx_and_timeouts_are_retried(ghost: GhostSite, tmp_path: Path) -> None:
    gh, delays, transport = connector(ghost, tmp_path)
    transport.faults = [(429, {"Retry-After": "2"}), (502, {}), (0, {})]
    gh.publish(item("news-e"))
    assert delays == [2.0, 0.02, 0.04]
    assert len(posts_with_slug(ghost, slug_of(item("news-e")))) == 1


def test_a_wrong_admin_key_is_one_line_without_the_secret(ghost: GhostSite, tmp_path: Path) -> None:
    key_id = ghost.admin_key.split(":")[0]
    wrong = f"{key_id}:{'ab' * 32}"
    gh, delays, _ = connector(ghost, tmp_path, key=wrong)
    with pytest.raises(ConnectorAuthFailed) as raised:
        gh.check()
    message = raised.value.user_message
    assert "HTTP 401" in message and "ab" * 32 not in message and "\n" not in message
    assert delays == []


def test_check_names_the_site(ghost: GhostSite, tmp_path: Path) -> None:
    gh, _, _ = connector(ghost, tmp_path)
    assert gh.check().startswith("signed in to Brandloom (Ghost 6.")


def test_site_down_is_unavailable(ghost: GhostSite, tmp_path: Path) -> None:
    gh, delays, _ = connector(ghost, tmp_path, url="http://127.0.0.1:9", retries=1)
    with pytest.raises(ConnectorUnavailable, match="cannot reach"):
        gh.publish(item("news-f"))
    assert len(delays) == 1


def test_a_rollback_updates_the_same_post_with_the_restored_text(
    ghost: GhostSite, tmp_path: Path
) -> None:
    gh, _, _ = connector(ghost, tmp_path, live=True)
    first = gh.publish(item("news-r"))
    gh.publish(item("news-r", version=2, text="<p>Version two.</p>"))
    rolled = gh.publish(item("news-r", version=3))  # rollback to v1: v3 carries v1's text
    (post,) = posts_with_slug(ghost, slug_of(item("news-r")))
    (full,) = admin(ghost, "GET", f"posts/{first.remote_id}/?formats=html")["posts"]
    assert rolled.remote_id == first.remote_id == post["id"]
    assert "Spring linen is here." in full["html"] and "Version two." not in full["html"]
    assert rolled.remote_version == full["updated_at"]


def test_a_live_channel_schedules_a_post_with_publish_at(ghost: GhostSite, tmp_path: Path) -> None:
    gh, _, _ = connector(ghost, tmp_path, live=True)
    when = (datetime.now(tz=UTC) + timedelta(days=30)).replace(microsecond=0)
    receipt = gh.publish(item("news-s").model_copy(update={"publish_at": when}))
    (post,) = admin(ghost, "GET", f"posts/{receipt.remote_id}/")["posts"]
    assert post["status"] == "scheduled"
    assert datetime.fromisoformat(post["published_at"].replace("Z", "+00:00")) == when
    assert receipt.scheduled_for == iso_utc(when) and not receipt.live
    again, _, _ = connector(ghost, tmp_path, live=True)
    assert again.publish(item("news-s").model_copy(update={"publish_at": when})) == receipt


def test_a_publish_at_already_past_publishes_at_once(ghost: GhostSite, tmp_path: Path) -> None:
    gh, _, _ = connector(ghost, tmp_path, live=True)
    past = datetime.now(tz=UTC) - timedelta(hours=1)
    receipt = gh.publish(item("news-p").model_copy(update={"publish_at": past}))
    (post,) = admin(ghost, "GET", f"posts/{receipt.remote_id}/")["posts"]
    assert post["status"] == "published" and receipt.live and receipt.scheduled_for == ""
