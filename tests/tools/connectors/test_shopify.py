"""shopify/v2026_01 against the contract fake on loopback (tools/connectors/shopify/fake.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tools.connectors.base import PublishItem
from tools.connectors.errors import ConnectorAuthFailed, ConnectorUnavailable, PublishRefused
from tools.connectors.ledger import FileLedger
from tools.connectors.registry import ConnectorParts, build
from tools.connectors.shopify.fake import FakeShopify, running_fake
from tools.connectors.shopify.v2026_01 import ShopifyConnector
from tools.settings import Settings

TOKEN = "shpat_0123456789abcdef"


def item(version: int = 1, product: int = 1, text: str = "<p>Linen, softened.</p>") -> PublishItem:
    return PublishItem(
        thread_id="camp-1", asset_id=f"product_copy-{product:02d}", version=version,
        asset_kind="product_copy", channel="product_copy", title="Linen shirt", text=text,
        fields={"product_id": f"gid://shopify/Product/{product}", "meta_description": "Soft."},
    )  # fmt: skip


@pytest.fixture
def shop() -> Iterator[FakeShopify]:
    with running_fake(TOKEN) as fake:
        for number in range(1, 4):
            fake.add_product(number, f"Shirt {number}")
        yield fake


def connector(
    shop: FakeShopify, root: Path, *, live: bool = False, token: str = TOKEN, retries: int = 3,
    threshold: int = 50, sleep: Callable[[float], None] | None = None,
) -> tuple[ShopifyConnector, list[float]]:  # fmt: skip
    settings = Settings(
        _env_file=None, data_dir=root, shopify_url=shop.url, shopify_access_token=token,
        connector_max_retries=retries, connector_backoff_seconds=0.01,
        shopify_bulk_threshold=threshold,
    )  # fmt: skip
    delays: list[float] = []
    parts = ConnectorParts(
        settings=settings, ledger=FileLedger(root / "ledger"), client=httpx.Client(timeout=2),
        live=live, sleep=sleep or delays.append,
    )  # fmt: skip
    built = build("shopify/v2026_01", parts)
    assert isinstance(built, ShopifyConnector)
    return built, delays


def test_live_publish_updates_description_and_seo(shop: FakeShopify, tmp_path: Path) -> None:
    store, _ = connector(shop, tmp_path, live=True)
    receipt = store.publish(item())
    product = shop.products["gid://shopify/Product/1"]
    assert product.description_html == "<p>Linen, softened.</p>"
    assert (product.seo_title, product.seo_description) == ("Linen shirt", "Soft.")
    assert product.metafields["brandloom.publish_key"] == "camp-1/product_copy-01@v1"
    assert (receipt.remote_id, receipt.remote_version) == (product.id, product.updated_at)
    assert receipt.url.endswith("/products/shirt-1") and receipt.live


def test_drafts_first_leave_the_storefront_alone(shop: FakeShopify, tmp_path: Path) -> None:
    store, _ = connector(shop, tmp_path)
    store.publish(item())
    product = shop.products["gid://shopify/Product/1"]
    assert product.description_html == ""
    assert product.metafields["brandloom.draft_description"] == "<p>Linen, softened.</p>"


def test_republish_returns_the_same_receipt_and_writes_nothing(
    shop: FakeShopify, tmp_path: Path
) -> None:
    store, _ = connector(shop, tmp_path)
    first = store.publish(item())
    writes = shop.requests.count("productUpdate")
    again, _ = connector(shop, tmp_path)
    assert again.publish(item()) == first
    assert shop.requests.count("productUpdate") == writes == 1


def test_crash_after_the_write_then_resume_does_not_write_again(
    shop: FakeShopify, tmp_path: Path
) -> None:
    store, _ = connector(shop, tmp_path)
    store.ledger.begin(store.target, item())
    current = store.find(item(), None)
    assert current is not None
    store.update(item(), current)  # the write landed; the process died before the receipt
    resumed, _ = connector(shop, tmp_path)
    receipt = resumed.publish(item())
    assert shop.requests.count("productUpdate") == 1
    assert receipt.remote_version == shop.products["gid://shopify/Product/1"].updated_at


def test_a_new_version_after_a_human_edit_updates_the_same_product(
    shop: FakeShopify, tmp_path: Path
) -> None:
    store, _ = connector(shop, tmp_path, live=True)
    first = store.publish(item())
    product = shop.products["gid://shopify/Product/1"]
    product.description_html = "<p>Edited in the admin.</p>"
    shop.touch(product)
    second = store.publish(item(version=2, text="<p>Version two.</p>"))
    assert second.remote_id == first.remote_id and second.remote_version != first.remote_version
    assert product.description_html == "<p>Version two.</p>" and len(shop.products) == 3


def test_cost_throttling_waits_for_the_bucket(shop: FakeShopify, tmp_path: Path) -> None:
    waited: list[float] = []

    def refill(seconds: float) -> None:  # time passes for the bucket only
        waited.append(seconds)
        shop.available += seconds * shop.restore_rate

    shop.available, shop.restore_rate, shop._last = 0.0, 1.0, time.monotonic()
    store, _ = connector(shop, tmp_path, sleep=refill)
    store.publish(item())
    assert 1.9 <= waited[0] <= 2.0  # a query costs 2 and the bucket restores 1 per second
    assert shop.requests.count("product") == 2 and shop.requests[-1] == "productUpdate"


def test_429_and_5xx_are_retried(shop: FakeShopify, tmp_path: Path) -> None:
    shop.fail_next = [(429, {"Retry-After": "1"}), (502, {})]
    store, delays = connector(shop, tmp_path)
    store.publish(item())
    assert delays == [1.0, 0.02]


def test_user_errors_fail_the_item_with_shopifys_message(shop: FakeShopify, tmp_path: Path) -> None:
    store, delays = connector(shop, tmp_path, live=True)
    shop.user_errors_next = [{"field": ["descriptionHtml"], "message": "is invalid"}]
    with pytest.raises(PublishRefused, match=r"userErrors: descriptionHtml: is invalid$"):
        store.publish(item(product=2))
    with pytest.raises(PublishRefused, match="product gid://shopify/Product/9 does not exist"):
        store.publish(item(product=9))
    assert delays == [] and store.publish(item(product=2)).remote_id.endswith("/2")


def test_auth_failure_is_one_line_without_the_token(shop: FakeShopify, tmp_path: Path) -> None:
    store, delays = connector(shop, tmp_path, token="shpat_wrong_token_value")
    with pytest.raises(ConnectorAuthFailed) as raised:
        store.check()
    message = raised.value.user_message
    assert "401" in message and "Invalid API key" in message and "shpat_wrong" not in message
    assert delays == [] and raised.value.exit_code == 9


def test_remote_down_is_unavailable(tmp_path: Path) -> None:
    with running_fake(TOKEN) as gone:
        pass
    store, delays = connector(gone, tmp_path, retries=2)
    with pytest.raises(ConnectorUnavailable, match="cannot reach"):
        store.publish(item())
    assert len(delays) == 2


def test_check_names_the_shop(shop: FakeShopify, tmp_path: Path) -> None:
    store, _ = connector(shop, tmp_path)
    assert store.check() == f"shop Fake Shop (fake.myshopify.com) at {shop.url}"


def test_large_jobs_run_as_one_bulk_operation(shop: FakeShopify, tmp_path: Path) -> None:
    store, _ = connector(shop, tmp_path, live=True, threshold=2)
    store.publish(item(product=1))  # already settled: left out of the upload
    results = store.publish_many([item(product=n) for n in (1, 2, 3, 9)])
    assert shop.requests.count("bulkOperationRunMutation") == 1
    assert shop.requests.count("productUpdate") == 1  # the single publish; bulk went by JSONL
    assert [type(r).__name__ for r in results] == [
        "Receipt",
        "Receipt",
        "Receipt",
        "PublishRefused",
    ]
    assert "Product does not exist" in str(results[3])
    assert shop.products["gid://shopify/Product/3"].description_html == "<p>Linen, softened.</p>"
    (upload,) = [v for k, v in shop.uploads.items() if k.startswith("tmp/bulk/")]
    assert len(upload.decode().splitlines()) == 3
    again = store.publish_many([item(product=n) for n in (1, 2, 3)])
    assert again == results[:3] and shop.requests.count("bulkOperationRunMutation") == 1


def by_product(
    row: dict[str, str], *, kind: str = "product_description", version: int = 1
) -> PublishItem:
    return PublishItem(
        thread_id="camp-2", asset_id=f"{kind}-{row.get('sku', 'x').lower()}", version=version,
        asset_kind=kind, channel="shop", title="Linen shirt", text=f"<p>v{version}</p>",
        fields={"seo_title": "Linen, softened", "meta_description": "Soft linen."}
        if kind == "seo_meta" else {}, product=row,
    )  # fmt: skip


def test_the_product_is_found_by_sku_or_handle(shop: FakeShopify, tmp_path: Path) -> None:
    shop.products["gid://shopify/Product/2"].sku = "LW 02"
    store, _ = connector(shop, tmp_path, live=True)
    by_sku = store.publish(by_product({"sku": "LW 02", "name": "Shirt 2"}))
    by_handle = store.publish(by_product({"sku": "", "handle": "shirt-3"}))
    seo = store.publish(by_product({"sku": "LW 02"}, kind="seo_meta"))
    assert by_sku.remote_id == seo.remote_id == "gid://shopify/Product/2"
    assert by_handle.remote_id == "gid://shopify/Product/3"
    second = shop.products["gid://shopify/Product/2"]
    assert (second.description_html, second.seo_title) == ("<p>v1</p>", "Linen, softened")
    assert second.seo_description == "Soft linen."
    assert shop.requests.count("productVariants") == 2
    assert shop.requests.count("productByIdentifier") == 1


def test_a_later_version_reads_the_product_by_its_receipt_id(
    shop: FakeShopify, tmp_path: Path
) -> None:
    store, _ = connector(shop, tmp_path, live=True)
    first = store.publish(by_product({"handle": "shirt-1"}))
    shop.products["gid://shopify/Product/1"].handle = "renamed-in-admin"
    second = store.publish(by_product({"handle": "shirt-1"}, version=2))
    assert second.remote_id == first.remote_id
    assert shop.products["gid://shopify/Product/1"].description_html == "<p>v2</p>"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"sku": "NOPE"}, "shopify/v2026_01: the shop has no product with SKU 'NOPE'"),
        ({"sku": "NOPE", "handle": "gone"},
         "the shop has no product with SKU 'NOPE' or handle 'gone'"),
        ({"handle": "gone"}, "the shop has no product with handle 'gone'"),
        ({"name": "Only a name"}, "give the product a sku or handle column in the products CSV"),
    ],
)  # fmt: skip
def test_a_product_the_shop_lacks_is_refused_in_one_line(
    shop: FakeShopify, tmp_path: Path, row: dict[str, str], message: str
) -> None:
    store, _ = connector(shop, tmp_path, live=True)
    with pytest.raises(PublishRefused) as refused:
        store.publish(by_product(row))
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert shop.requests.count("productUpdate") == 0


def test_a_rollback_updates_the_same_product_with_the_restored_copy(
    shop: FakeShopify, tmp_path: Path
) -> None:
    store, _ = connector(shop, tmp_path, live=True)
    first = store.publish(item())
    store.publish(item(version=2, text="<p>Version two.</p>"))
    rolled = store.publish(item(version=3))  # rollback to v1: a new version with v1's copy
    again, _ = connector(shop, tmp_path, live=True)
    assert again.publish(item(version=3)) == rolled  # a re-run sends nothing
    product = shop.products["gid://shopify/Product/1"]
    assert rolled.remote_id == first.remote_id and len(shop.products) == 3
    assert product.description_html == "<p>Linen, softened.</p>"
    assert product.metafields["brandloom.publish_key"] == "camp-1/product_copy-01@v3"
    assert shop.requests.count("productUpdate") == 3  # one per version
