"""Ghost Admin API (``Accept-Version: v5.0``): posts, authenticated with a JWT from the admin
key of a custom integration.

The token: HS256 over ``{iat, exp: iat+5min, aud: "/admin/"}`` with ``kid`` = the key id,
signed with the hex-decoded secret; signed with PyJWT (already in the lock through the chat
workspace; a maintained library beats twenty lines of hand-rolled base64 and HMAC), fresh
for every request so a retry after a long backoff never sends an expired one.

Idempotency without keys: the slug carries the asset (``bl-<hash of thread/asset>``) and
``codeinjection_foot`` carries the version key (``<!-- brandloom:thread/asset@vN -->``: Ghost
keeps that field verbatim while it rewrites ``html`` into its editor format), so ``find``
knows both whether the asset exists and which version it holds. Updates send the
``updated_at`` they read; Ghost answers 409 ``UpdateCollisionError`` when someone saved in
between, and the connector re-reads the post and tries again with the new ``updated_at``.
Drafts first: ``status: draft`` unless the channel is live (``published``, no email sent).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import jwt

from tools.connectors.base import PublishItem, Receipt, iso_utc
from tools.connectors.errors import ConnectorAuthFailed, PublishRefused
from tools.connectors.http import Caller
from tools.connectors.ledger import PublishLedger
from tools.connectors.registry import ConnectorParts
from tools.connectors.remote import RemoteConnector, RemoteObject
from tools.connectors.wordpress.v2 import KEY_MARK, slug_of

NAME = "ghost/v5"
COLLISION_RETRIES = 3
"""Re-reads after a 409 before the item fails (someone keeps editing it)."""


def admin_token(admin_key: str, now: float) -> str:
    """The Admin API JWT of ``<id>:<hex secret>`` at Unix time ``now``."""
    key_id, _, secret = admin_key.partition(":")
    payload = {"iat": int(now), "exp": int(now) + 300, "aud": "/admin/"}
    headers = {"kid": key_id, "typ": "JWT"}
    return jwt.encode(payload, bytes.fromhex(secret), algorithm="HS256", headers=headers)


class GhostConnector(RemoteConnector):
    """Creates and updates posts of one Ghost site."""

    name = NAME

    def __init__(
        self, site: str, admin_key: str, caller: Caller, ledger: PublishLedger, *,
        live: bool = False,
    ) -> None:  # fmt: skip
        super().__init__(ledger, target=f"{NAME} {site}", live=live)
        self.site = site.rstrip("/")
        self.admin_key = admin_key
        self.caller = caller

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        def headers() -> dict[str, str]:
            token = admin_token(self.admin_key, time.time())
            return {"Authorization": f"Ghost {token}", "Accept-Version": "v5.0"}

        url = f"{self.site}/ghost/api/admin/{path}"
        return self.caller.send(method, url, headers=headers, json=body).json()

    def find(self, item: PublishItem, previous: Receipt | None) -> RemoteObject | None:
        if previous is not None:
            post = self._read(previous.remote_id)
            if post is not None:
                return _remote(post)
        found = self.api("GET", f"posts/?filter=slug:{slug_of(item)}&formats=html")
        posts = found.get("posts") or []
        return _remote(posts[0]) if posts else None

    def create(self, item: PublishItem) -> RemoteObject:
        post = self._post_body(item) | {"slug": slug_of(item)}
        answer = self.api("POST", "posts/?source=html", {"posts": [post]})
        return _remote(answer["posts"][0])

    def update(self, item: PublishItem, current: RemoteObject) -> RemoteObject:
        version = current.remote_version
        for _ in range(COLLISION_RETRIES):
            post = self._post_body(item) | {"updated_at": version}
            try:
                answer = self.api(
                    "PUT", f"posts/{current.remote_id}/?source=html", {"posts": [post]}
                )
            except PublishRefused as refused:
                if refused.status != 409:
                    raise
                fresh = self._read(current.remote_id)
                if fresh is None:
                    raise
                version = str(fresh["updated_at"])
                continue
            return _remote(answer["posts"][0])
        raise PublishRefused(NAME, f"post {current.remote_id} keeps changing (409 after retries)")

    def check(self) -> str:
        site = self.api("GET", "site/")["site"]
        self.api("GET", "posts/?limit=1&fields=id")  # the site answers anyone; posts need the key
        title, version = site.get("title", ""), site.get("version", "?")
        return f"signed in to {title} (Ghost {version}) at {self.site}"

    def _read(self, post_id: str) -> dict[str, Any] | None:
        try:
            posts = self.api("GET", f"posts/{post_id}/?formats=html")["posts"]
        except PublishRefused as refused:
            if refused.status == 404:
                return None
            raise
        post: dict[str, Any] = posts[0]
        return post

    def _post_body(self, item: PublishItem) -> dict[str, Any]:
        body: dict[str, Any] = {
            "title": item.title or item.asset_id,
            "html": item.text,
            "status": "published" if self.live else "draft",
            "codeinjection_foot": f"<!-- brandloom:{item.key} -->",
        }
        when = item.scheduled(self.clock()) if self.live else None
        if when is not None:  # Ghost publishes a ``scheduled`` post at ``published_at``
            body |= {"status": "scheduled", "published_at": iso_utc(when)}
        if item.fields.get("meta_description"):
            body["custom_excerpt"] = item.fields["meta_description"][:300]
        return body


def _remote(post: dict[str, Any]) -> RemoteObject:
    marks = KEY_MARK.findall(post.get("codeinjection_foot") or "")
    return RemoteObject(
        remote_id=str(post["id"]),
        url=str(post.get("url", "")),
        remote_version=str(post.get("updated_at", "")),
        publish_key=marks[-1] if marks else "",
        live=post.get("status") == "published",
        scheduled_for=_scheduled(post),
    )


def _scheduled(post: dict[str, Any]) -> str:
    """``published_at`` of a ``scheduled`` post, as ``iso_utc``; empty otherwise."""
    when = str(post.get("published_at") or "")
    if post.get("status") != "scheduled" or not when:
        return ""
    return iso_utc(datetime.fromisoformat(when.replace("Z", "+00:00")))


def from_settings(parts: ConnectorParts) -> GhostConnector:
    settings = parts.settings
    key = settings.ghost_admin_key
    if not settings.ghost_url or key is None:
        raise ConnectorAuthFailed(NAME, "set BRANDLOOM_GHOST_URL and BRANDLOOM_GHOST_ADMIN_KEY")
    admin_key = key.get_secret_value()
    key_id, _, secret = admin_key.partition(":")
    try:
        bytes.fromhex(secret)
    except ValueError:
        secret = ""
    if not key_id or not secret:
        raise ConnectorAuthFailed(NAME, "BRANDLOOM_GHOST_ADMIN_KEY is not <id>:<hex secret>")
    caller = Caller(
        NAME, parts.client, secrets=(admin_key, secret),
        max_retries=settings.connector_max_retries, backoff=settings.connector_backoff_seconds,
        sleep=parts.sleep,
    )  # fmt: skip
    return GhostConnector(settings.ghost_url, admin_key, caller, parts.ledger, live=parts.live)
