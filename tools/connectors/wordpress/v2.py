"""WordPress REST API ``wp/v2``: posts or pages, application-password auth.

Idempotency without keys: the slug carries the asset (``bl-<hash of thread/asset>``), so
``find`` looks the post up by slug (any status) before creating one; the content ends with
an HTML comment carrying the version key (``<!-- brandloom:thread/asset@vN -->``), read back
with ``context=edit``, so a version that already landed (a crash before the receipt) is not
written again. Updates go to the same post id. WordPress has no conditional update: the
precondition is read-compare-write of ``modified_gmt`` (the receipt keeps it).

Drafts first: posts are created with ``status: draft`` unless the channel is live. Routes use
``?rest_route=`` so sites without pretty permalinks work too. Plain-http application
passwords are the site's decision (``WP_ENVIRONMENT_TYPE=local``), never forced here.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from tools.connectors.base import PublishItem, Receipt, asset_key, iso_utc
from tools.connectors.errors import ConnectorAuthFailed, PublishRefused
from tools.connectors.http import Caller
from tools.connectors.ledger import PublishLedger
from tools.connectors.registry import ConnectorParts
from tools.connectors.remote import RemoteConnector, RemoteObject

NAME = "wordpress/v2"
KEY_MARK = re.compile(r"<!-- brandloom:(\S+) -->")
STATUSES = "publish,future,draft,pending,private"


def slug_of(item: PublishItem) -> str:
    """The post slug of an asset (every version updates the post with this slug)."""
    return (
        "bl-" + hashlib.sha256(asset_key(item.thread_id, item.asset_id).encode()).hexdigest()[:20]
    )


class WordPressConnector(RemoteConnector):
    """Creates and updates posts (or pages) of one site."""

    name = NAME

    def __init__(
        self, site: str, caller: Caller, ledger: PublishLedger, *, post_type: str = "posts",
        live: bool = False,
    ) -> None:  # fmt: skip
        super().__init__(ledger, target=f"{NAME} {site} {post_type}", live=live)
        self.site = site.rstrip("/")
        self.post_type = post_type
        self.caller = caller

    def route(self, path: str) -> str:
        return f"{self.site}/?rest_route=/wp/v2/{path}"

    def find(self, item: PublishItem, previous: Receipt | None) -> RemoteObject | None:
        if previous is not None:
            post = self._get(f"{self.post_type}/{previous.remote_id}&context=edit")
            if isinstance(post, dict) and post.get("status") != "trash":
                return self._remote(post)
        found = self._get(f"{self.post_type}&slug={slug_of(item)}&status={STATUSES}&context=edit")
        return self._remote(found[0]) if isinstance(found, list) and found else None

    def create(self, item: PublishItem) -> RemoteObject:
        body = self._body(item) | {"slug": slug_of(item)}
        response = self.caller.send("POST", self.route(self.post_type), json=body)
        return self._remote(response.json())

    def update(self, item: PublishItem, current: RemoteObject) -> RemoteObject:
        path = f"{self.post_type}/{current.remote_id}"
        response = self.caller.send("POST", self.route(path), json=self._body(item))
        return self._remote(response.json())

    def check(self) -> str:
        me = self.caller.send("GET", self.route("users/me") + "&context=edit").json()
        return f"signed in to {self.site} as {me.get('username', me.get('name'))}"

    def _get(self, path: str) -> Any:
        """A GET; 404 (a deleted post) is None, not a refusal."""
        try:
            return self.caller.send("GET", self.route(path)).json()
        except PublishRefused as refused:
            if refused.status == 404:
                return None
            raise

    def _body(self, item: PublishItem) -> dict[str, str]:
        content = f"{item.text.strip()}\n\n<!-- brandloom:{item.key} -->"
        body = {"title": item.title or item.asset_id, "content": content}
        body["status"] = "publish" if self.live else "draft"
        when = item.scheduled(self.clock()) if self.live else None
        if when is not None:  # WordPress publishes a ``future`` post at ``date_gmt``
            body |= {"status": "future", "date_gmt": iso_utc(when).removesuffix("Z")}
        if item.fields.get("meta_description"):
            body["excerpt"] = item.fields["meta_description"]
        return body

    @staticmethod
    def _remote(post: dict[str, Any]) -> RemoteObject:
        raw = (post.get("content") or {}).get("raw", "")
        marks = KEY_MARK.findall(raw)
        return RemoteObject(
            remote_id=str(post["id"]),
            url=str(post.get("link", "")),
            remote_version=str(post.get("modified_gmt", "")),
            publish_key=marks[-1] if marks else "",
            live=post.get("status") == "publish",
            scheduled_for=_scheduled(post),
        )


def _scheduled(post: dict[str, Any]) -> str:
    """``date_gmt`` of a ``future`` post, as ``iso_utc``; empty otherwise."""
    when = str(post.get("date_gmt") or "")
    return when + "Z" if post.get("status") == "future" and when else ""


def from_settings(parts: ConnectorParts) -> WordPressConnector:
    settings = parts.settings
    password = settings.wordpress_app_password
    if not settings.wordpress_url or not settings.wordpress_user or password is None:
        fix = "set BRANDLOOM_WORDPRESS_URL, _USER and _APP_PASSWORD"
        raise ConnectorAuthFailed(NAME, fix)
    secret = password.get_secret_value()
    parts.client.auth = (settings.wordpress_user, secret)
    caller = Caller(
        NAME, parts.client, secrets=(secret, secret.replace(" ", "")),
        max_retries=settings.connector_max_retries, backoff=settings.connector_backoff_seconds,
        sleep=parts.sleep,
    )  # fmt: skip
    return WordPressConnector(
        settings.wordpress_url, caller, parts.ledger, post_type=settings.wordpress_post_type,
        live=parts.live,
    )  # fmt: skip
