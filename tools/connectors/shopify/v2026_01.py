"""Shopify Admin GraphQL API, version 2026-01: product descriptions and SEO.

Product copy updates an existing product, found by ``tools.connectors.shopify.lookup`` (an
explicit ``fields["product_id"]`` gid, else the SKU or handle of the asset's product row):
``product_description`` assets write the description, ``seo_meta`` assets the SEO title and
description; each kind has its own key metafield. ``productUpdate`` is last-write-wins and
has no idempotency key, so the connector writes the item key into the ``brandloom.publish_key``
(``seo_publish_key``) metafield with the copy and reads it back before writing (``find``): a
product already holding this version's key is not written again. Drafts first: unless the
channel is live the copy goes into ``brandloom.draft_*`` metafields and the storefront
description is left alone.

Failures: ``THROTTLED`` (cost throttling, HTTP 200) is retried after the time the bucket
needs to refill (``throttleStatus``); 429/5xx/timeouts by the caller; ``userErrors`` and
other GraphQL errors fail the item with Shopify's message. Large jobs go through
``publish_many`` -> ``tools.connectors.shopify.bulk`` (JSONL staged upload and
``bulkOperationRunMutation``).
"""

from __future__ import annotations

from typing import Any

import httpx

from tools.connectors.base import PublishItem, Receipt
from tools.connectors.errors import ConnectorAuthFailed, PublishRefused
from tools.connectors.http import Caller, RetryableAnswer
from tools.connectors.ledger import PublishLedger
from tools.connectors.registry import ConnectorParts
from tools.connectors.remote import RemoteConnector, RemoteObject
from tools.connectors.shopify.lookup import locate

API_VERSION = "2026-01"
NAME = "shopify/v2026_01"

PRODUCT_UPDATE = """mutation BrandloomProductUpdate($product: ProductUpdateInput!) {
  productUpdate(product: $product) {
    product { id handle updatedAt onlineStorePreviewUrl }
    userErrors { field message }
  }
}"""

SHOP_QUERY = "query BrandloomShop { shop { name myshopifyDomain } }"


def throttle_check(response: httpx.Response) -> None:
    """Ask for a retry when Shopify answered ``THROTTLED``, after the bucket refills."""
    body = response.json()
    errors = body.get("errors") or []
    if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
        cost = (body.get("extensions") or {}).get("cost") or {}
        status = cost.get("throttleStatus") or {}
        missing = float(cost.get("requestedQueryCost") or 0) - float(
            status.get("currentlyAvailable") or 0
        )
        rate = float(status.get("restoreRate") or 50) or 50.0
        raise RetryableAnswer("Shopify throttled the query (THROTTLED)", max(0.0, missing / rate))


class ShopifyConnector(RemoteConnector):
    """Writes product copy to one shop."""

    name = NAME

    def __init__(
        self, shop_url: str, caller: Caller, ledger: PublishLedger, *, live: bool = False
    ) -> None:
        super().__init__(ledger, target=f"{NAME} {shop_url}", live=live)
        self.shop_url = shop_url.rstrip("/")
        self.caller = caller
        self.token = caller.secrets[0]

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """``data`` of one GraphQL call; top-level errors fail the item."""
        response = self.caller.send(
            "POST",
            f"{self.shop_url}/admin/api/{API_VERSION}/graphql.json",
            headers={"X-Shopify-Access-Token": self.token},
            json={"query": query, "variables": variables or {}},
            check=throttle_check,
        )
        body = response.json()
        if body.get("errors"):
            messages = "; ".join(str(e.get("message", e)) for e in body["errors"])
            raise PublishRefused(NAME, self.caller.clean(f"GraphQL error: {messages}"))
        data: dict[str, Any] = body.get("data") or {}
        return data

    def find(self, item: PublishItem, previous: Receipt | None) -> RemoteObject | None:
        product = locate(self, item, previous)
        key = (product.get(key_metafield(item)[1]) or {}).get("value", "")
        return _remote(product, key, live=self.live)

    def create(self, item: PublishItem) -> RemoteObject:
        raise PublishRefused(NAME, "product copy updates an existing product; none was found")

    def update(self, item: PublishItem, current: RemoteObject) -> RemoteObject:
        change = product_input(item, current.remote_id, live=self.live)
        data = self.graphql(PRODUCT_UPDATE, {"product": change})
        answer = data.get("productUpdate") or {}
        user_errors = answer.get("userErrors") or []
        if user_errors:
            raise PublishRefused(NAME, self.caller.clean(_user_errors(user_errors)))
        return _remote(answer["product"], item.key, live=self.live)

    def check(self) -> str:
        shop = self.graphql(SHOP_QUERY)["shop"]
        return f"shop {shop['name']} ({shop['myshopifyDomain']}) at {self.shop_url}"

    def publish_many(self, items: list[PublishItem]) -> list[Receipt | PublishRefused]:
        """Publish a job: one call per item, or one bulk operation from the threshold up."""
        from tools.connectors.shopify.bulk import publish_bulk

        if len(items) < self.bulk_threshold:
            return [self._one(item) for item in items]
        return publish_bulk(self, items)

    bulk_threshold: int = 50
    """Jobs with at least this many items use a bulk operation."""

    def _one(self, item: PublishItem) -> Receipt | PublishRefused:
        try:
            return self.publish(item)
        except PublishRefused as refused:
            return refused


def key_metafield(item: PublishItem) -> tuple[str, str]:
    """The metafield holding the key of the version an item's kind last wrote, and its alias
    in ``PRODUCT_FIELDS``: description and SEO assets of one product each have their own."""
    if item.asset_kind == "seo_meta":
        return "seo_publish_key", "seoPublishKey"
    return "publish_key", "publishKey"


def product_input(item: PublishItem, product_id: str, *, live: bool) -> dict[str, Any]:
    """``ProductUpdateInput``: live copy or SEO, or draft metafields; always the key.

    An ``seo_meta`` asset carries ``seo_title``/``meta_description``; any other kind writes
    the description (and SEO only when its fields carry them, never blanking the shop's).
    """
    is_seo = item.asset_kind == "seo_meta"
    seo_description = item.fields.get("meta_description", item.text if is_seo else "")
    seo_title = item.fields.get("seo_title", item.title if seo_description else "")
    seo = {k: v for k, v in (("title", seo_title[:70]), ("description", seo_description)) if v}
    description = "" if is_seo else item.text
    metafields = [_metafield(key_metafield(item)[0], item.key)]
    change: dict[str, Any] = {"id": product_id}
    if live:
        change |= {"descriptionHtml": description} if description else {}
        change |= {"seo": seo} if seo else {}
    else:
        if description:
            metafields.append(_metafield("draft_description", description))
        metafields += [_metafield(f"draft_seo_{k}", v) for k, v in seo.items()]
    return change | {"metafields": metafields}


def _metafield(key: str, value: str) -> dict[str, str]:
    kind = "single_line_text_field" if key.endswith("publish_key") else "multi_line_text_field"
    return {"namespace": "brandloom", "key": key, "type": kind, "value": value}


def _user_errors(errors: list[dict[str, Any]]) -> str:
    parts = [f"{'.'.join(e.get('field') or [])}: {e.get('message', '')}" for e in errors]
    return "userErrors: " + "; ".join(parts)


def _remote(product: dict[str, Any], key: str, *, live: bool) -> RemoteObject:
    url = product.get("onlineStorePreviewUrl") or ""
    return RemoteObject(product["id"], url, product["updatedAt"], key, live=live)


def from_settings(parts: ConnectorParts) -> ShopifyConnector:
    settings = parts.settings
    if not settings.shopify_url or settings.shopify_access_token is None:
        raise ConnectorAuthFailed(
            NAME, "set BRANDLOOM_SHOPIFY_URL and BRANDLOOM_SHOPIFY_ACCESS_TOKEN"
        )
    token = settings.shopify_access_token.get_secret_value()
    caller = Caller(
        NAME,
        parts.client,
        secrets=(token,),
        max_retries=settings.connector_max_retries,
        backoff=settings.connector_backoff_seconds,
        sleep=parts.sleep,
    )
    connector = ShopifyConnector(settings.shopify_url, caller, parts.ledger, live=parts.live)
    connector.bulk_threshold = settings.shopify_bulk_threshold
    return connector
