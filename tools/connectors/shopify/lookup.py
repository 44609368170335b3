"""Which Shopify product an asset's copy belongs to: by id, SKU or handle.

A product-copy asset carries the product's row of the brief's product list
(``PublishItem.product``), not a Shopify id, so the connector looks the product up in the
shop with the Admin GraphQL API: an explicit ``fields["product_id"]`` gid first, then the
row's ``sku`` (``productVariants(first: 1, query: "sku:...")``, exact match checked here),
then its ``handle`` (``productByIdentifier(identifier: {handle: ...})``). A later version of
the same asset reads the product by the id on its previous receipt (one cheap query, and the
same remote object even if the SKU moved). A product the shop does not have refuses that
asset (one line); the rest of the campaign still publishes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tools.connectors.base import PublishItem, Receipt
from tools.connectors.errors import PublishRefused

if TYPE_CHECKING:
    from tools.connectors.shopify.v2026_01 import ShopifyConnector

PRODUCT_FIELDS = """id handle updatedAt onlineStorePreviewUrl
    publishKey: metafield(namespace: "brandloom", key: "publish_key") { value }
    seoPublishKey: metafield(namespace: "brandloom", key: "seo_publish_key") { value }"""

BY_ID = f"""query BrandloomProduct($id: ID!) {{
  product(id: $id) {{ {PRODUCT_FIELDS} }}
}}"""

BY_SKU = f"""query BrandloomProductBySku($query: String!) {{
  productVariants(first: 1, query: $query) {{ nodes {{ sku product {{ {PRODUCT_FIELDS} }} }} }}
}}"""

BY_HANDLE = f"""query BrandloomProductByHandle($identifier: ProductIdentifierInput!) {{
  productByIdentifier(identifier: $identifier) {{ {PRODUCT_FIELDS} }}
}}"""

GID_PREFIX = "gid://shopify/Product/"


def sku_query(sku: str) -> str:
    """Shopify search syntax for one exact SKU (quoted, so spaces and dashes survive)."""
    escaped = sku.replace("\\", "\\\\").replace('"', '\\"')
    return f'sku:"{escaped}"'


def locate(shop: ShopifyConnector, item: PublishItem, previous: Receipt | None) -> dict[str, Any]:
    """The product (``PRODUCT_FIELDS``) ``item`` updates; ``PublishRefused`` if none."""
    if previous is not None and previous.remote_id.startswith(GID_PREFIX):
        return _by_id(shop, previous.remote_id)
    product_id = item.fields.get("product_id", "")
    if product_id:
        if not product_id.startswith(GID_PREFIX):
            raise PublishRefused(shop.name, f"{item.asset_id}: product_id must be {GID_PREFIX}N")
        return _by_id(shop, product_id)
    sku, handle = item.product.get("sku", ""), item.product.get("handle", "")
    if sku:
        nodes = shop.graphql(BY_SKU, {"query": sku_query(sku)})["productVariants"]["nodes"]
        found = [n["product"] for n in nodes if n.get("sku") == sku and n.get("product")]
        if found:
            return dict(found[0])
        if not handle:
            raise PublishRefused(shop.name, f"the shop has no product with SKU {sku!r}")
    if handle:
        answer = shop.graphql(BY_HANDLE, {"identifier": {"handle": handle}})
        product = answer.get("productByIdentifier")
        if product is None:
            said = f"SKU {sku!r} or handle {handle!r}" if sku else f"handle {handle!r}"
            raise PublishRefused(shop.name, f"the shop has no product with {said}")
        return dict(product)
    raise PublishRefused(
        shop.name,
        f"{item.asset_id}: no Shopify product to update (give the product a sku or handle "
        "column in the products CSV)",
    )


def _by_id(shop: ShopifyConnector, product_id: str) -> dict[str, Any]:
    product = shop.graphql(BY_ID, {"id": product_id}).get("product")
    if product is None:
        raise PublishRefused(shop.name, f"product {product_id} does not exist in the shop")
    return dict(product)
