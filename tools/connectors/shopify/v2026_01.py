"""Shopify Admin GraphQL API, version 2026-01: product descriptions and SEO.

Product copy updates an existing product (``item.fields["product_id"]``, a
``gid://shopify/Product/N``): ``productUpdate`` is last-write-wins and has no idempotency
key, so the connector writes the item key into the ``brandloom.publish_key`` metafield with
the copy and reads it back before writing (``find``): a product already holding this
version's key is not written again. Drafts first: unless the channel is live the copy goes
into ``brandloom.draft_*`` metafields and the storefront description is left alone.

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

API_VERSION = "2026-01"
NAME = "shopify/v2026_01"

PRODUCT_QUERY = """query BrandloomProduct($id: ID!) {
  product(id: $id) {
    id handle updatedAt onlineStorePreviewUrl
    publishKey: metafield(namespace: "brandloom", key: "publish_key") { value }
  }
}"""

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
        product_id = product_of(item)
        product = self.graphql(PRODUCT_QUERY, {"id": product_id}).get("product")
        if product is None:
            raise PublishRefused(NAME, f"product {product_id} does not exist in the shop")
        key = (product.get("publishKey") or {}).get("value", "")
        return _remote(product, key, live=self.live)

    def create(self, item: PublishItem) -> RemoteObject:
        raise PublishRefused(NAME, "product copy updates an existing product; none was found")

    def update(self, item: PublishItem, current: RemoteObject) -> RemoteObject:
        data = self.graphql(PRODUCT_UPDATE, {"product": product_input(item, live=self.live)})
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


def product_of(item: PublishItem) -> str:
    """The product gid an item's copy belongs to (``fields["product_id"]``)."""
    product_id = item.fields.get("product_id", "")
    if not product_id.startswith("gid://shopify/Product/"):
        raise PublishRefused(NAME, f"{item.asset_id} has no product_id (gid://shopify/Product/N)")
    return product_id


def product_input(item: PublishItem, *, live: bool) -> dict[str, Any]:
    """``ProductUpdateInput``: live copy and SEO, or draft metafields; always the key."""
    seo_title = item.fields.get("seo_title", item.title)[:70]
    seo_description = item.fields.get("meta_description", "")
    metafields = [_metafield("publish_key", item.key)]
    change: dict[str, Any] = {"id": product_of(item)}
    if live:
        change |= {
            "descriptionHtml": item.text,
            "seo": {"title": seo_title, "description": seo_description},
        }
    else:
        metafields += [
            _metafield("draft_description", item.text),
            _metafield("draft_seo_title", seo_title),
            _metafield("draft_seo_description", seo_description),
        ]
    return change | {"metafields": metafields}


def _metafield(key: str, value: str) -> dict[str, str]:
    kind = "single_line_text_field" if key == "publish_key" else "multi_line_text_field"
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
