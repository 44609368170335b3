"""wordpress/v2 against a real WordPress on loopback (conftest ``wordpress``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.tools.connectors.conftest import FaultyTransport, WordPressSite
from tools.connectors.base import PublishItem, iso_utc
from tools.connectors.errors import ConnectorAuthFailed, ConnectorUnavailable
from tools.connectors.ledger import FileLedger
from tools.connectors.registry import ConnectorParts, build
from tools.connectors.wordpress.v2 import WordPressConnector, slug_of
from tools.settings import Settings


def item(asset: str, version: int = 1, text: str = "Spring linen is here.") -> PublishItem:
    return PublishItem(
        thread_id="camp-wp", asset_id=asset, version=version, asset_kind="blog_article",
        channel="blog", title="Spring linen", text=text,
        fields={"meta_description": "Linen for spring."},
    )  # fmt: skip


def connector(
    site: WordPressSite, root: Path, *, live: bool = False, password: str | None = None,
    url: str | None = None, retries: int = 3,
) -> tuple[WordPressConnector, list[float], FaultyTransport]:  # fmt: skip
    settings = Settings(
        _env_file=None, data_dir=root, wordpress_url=url or site.url, wordpress_user=site.user,
        wordpress_app_password=password or site.app_password, connector_max_retries=retries,
        connector_backoff_seconds=0.01, connector_timeout_seconds=10,
    )  # fmt: skip
    delays: list[float] = []
    transport = FaultyTransport()
    parts = ConnectorParts(
        settings=settings, ledger=FileLedger(root / "ledger"),
        client=httpx.Client(transport=transport, timeout=10), live=live, sleep=delays.append,
    )  # fmt: skip
    built = build("wordpress/v2", parts)
    assert isinstance(built, WordPressConnector)
    return built, delays, transport


def posts_with_slug(site: WordPressSite, slug: str) -> list[dict[str, object]]:
    """What the site holds, read by the admin (drafts included)."""
    answer = httpx.get(
        f"{site.url}/?rest_route=/wp/v2/posts&slug={slug}&status=publish,draft&context=edit",
        auth=(site.user, site.app_password), timeout=10,
    )  # fmt: skip
    answer.raise_for_status()
    posts: list[dict[str, object]] = answer.json()
    return posts


def test_publish_creates_a_draft_post(wordpress: WordPressSite, tmp_path: Path) -> None:
    wp, _, _ = connector(wordpress, tmp_path)
    receipt = wp.publish(item("post-a"))
    (post,) = posts_with_slug(wordpress, slug_of(item("post-a")))
    assert post["status"] == "draft" and str(post["id"]) == receipt.remote_id
    assert receipt.remote_version == post["modified_gmt"] and not receipt.live


def test_live_channel_publishes(wordpress: WordPressSite, tmp_path: Path) -> None:
    wp, _, _ = connector(wordpress, tmp_path, live=True)
    receipt = wp.publish(item("post-live"))
    (post,) = posts_with_slug(wordpress, slug_of(item("post-live")))
    assert post["status"] == "publish" and receipt.live and receipt.url.startswith(wordpress.url)


def test_republish_returns_the_same_receipt(wordpress: WordPressSite, tmp_path: Path) -> None:
    wp, _, _ = connector(wordpress, tmp_path)
    first = wp.publish(item("post-b"))
    again, _, _ = connector(wordpress, tmp_path)
    assert again.publish(item("post-b")) == first
    assert len(posts_with_slug(wordpress, slug_of(item("post-b")))) == 1


def test_crash_between_create_and_receipt_then_resume(
    wordpress: WordPressSite, tmp_path: Path
) -> None:
    wp, _, _ = connector(wordpress, tmp_path)
    wp.ledger.begin(wp.target, item("post-c"))
    created = wp.create(item("post-c"))  # landed; the process died before the receipt
    resumed, _, _ = connector(wordpress, tmp_path)
    receipt = resumed.publish(item("post-c"))
    assert receipt.remote_id == created.remote_id
    assert len(posts_with_slug(wordpress, slug_of(item("post-c")))) == 1


def test_a_new_version_after_a_human_edit_updates_the_same_post(
    wordpress: WordPressSite, tmp_path: Path
) -> None:
    wp, _, _ = connector(wordpress, tmp_path)
    first = wp.publish(item("post-d"))
    httpx.post(
        f"{wordpress.url}/?rest_route=/wp/v2/posts/{first.remote_id}",
        json={"content": "Edited by a person in wp-admin."},
        auth=(wordpress.user, wordpress.app_password), timeout=10,
    ).raise_for_status()  # fmt: skip
    second = wp.publish(item("post-d", version=2, text="Version two."))
    (post,) = posts_with_slug(wordpress, slug_of(item("post-d")))
    assert second.remote_id == first.remote_id
    assert "Version two." in str(post["content"]["raw"])  # type: ignore[index]
    rollback = wp.publish(item("post-d", version=3, text="Spring linen is here."))
    assert rollback.remote_id == first.remote_id


def test_429_5xx_and_timeouts_are_retried(wordpress: WordPressSite, tmp_path: Path) -> None:
    wp, delays, transport = connector(wordpress, tmp_path)
    transport.faults = [(429, {"Retry-After": "3"}), (503, {}), (0, {})]
    wp.publish(item("post-e"))
    assert delays == [3.0, 0.02, 0.04]
    assert len(posts_with_slug(wordpress, slug_of(item("post-e")))) == 1


def test_wrong_application_password(wordpress: WordPressSite, tmp_path: Path) -> None:
    wrong = "abcd efgh ijkl mnop qrst uvwx"
    wp, delays, _ = connector(wordpress, tmp_path, password=wrong)
    with pytest.raises(ConnectorAuthFailed) as raised:
        wp.check()
    message = raised.value.user_message
    assert "HTTP 401" in message and wrong not in message and "\n" not in message
    assert delays == []


def test_check_names_the_user(wordpress: WordPressSite, tmp_path: Path) -> None:
    wp, _, _ = connector(wordpress, tmp_path)
    assert wp.check() == f"signed in to {wordpress.url} as admin"


def test_site_down_is_unavailable(wordpress: WordPressSite, tmp_path: Path) -> None:
    wp, delays, _ = connector(wordpress, tmp_path, url="http://127.0.0.1:9", retries=1)
    with pytest.raises(ConnectorUnavailable, match="cannot reach"):
        wp.publish(item("post-f"))
    assert len(delays) == 1


def later(days: int = 30) -> datetime:
    return (datetime.now(tz=UTC) + timedelta(days=days)).replace(microsecond=0)


def test_a_live_channel_schedules_a_post_with_publish_at(
    wordpress: WordPressSite, tmp_path: Path
) -> None:
    wp, _, _ = connector(wordpress, tmp_path, live=True)
    when = later()
    receipt = wp.publish(item("post-s").model_copy(update={"publish_at": when}))
    answer = httpx.get(
        f"{wordpress.url}/?rest_route=/wp/v2/posts/{receipt.remote_id}&context=edit",
        auth=(wordpress.user, wordpress.app_password), timeout=10,
    ).json()  # fmt: skip
    assert answer["status"] == "future"
    assert answer["date_gmt"] == when.strftime("%Y-%m-%dT%H:%M:%S")
    assert receipt.scheduled_for == iso_utc(when) and not receipt.live


def test_publish_at_leaves_a_draft_channel_a_draft(
    wordpress: WordPressSite, tmp_path: Path
) -> None:
    wp, _, _ = connector(wordpress, tmp_path)
    receipt = wp.publish(item("post-sd").model_copy(update={"publish_at": later()}))
    (post,) = posts_with_slug(wordpress, slug_of(item("post-sd")))
    assert post["status"] == "draft" and receipt.scheduled_for == ""
