"""A campaign publishes its product copy to the Shopify contract fake, from the CLI.

``brandloom run --auto-approve --brief-file ... --products-file ...`` with the ``shop``
channel routed to ``shopify/v2026_01`` (live) at the fake on loopback and the scripted model:
each product's description and SEO reach the product found by its SKU, one ``productUpdate``
per asset version; a resume sends nothing again; receipts land in the content store; a SKU
the shop does not have fails only that product's assets, with a one-line reason in review.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.graph.cli.test_cli import brandloom, cells
from tools.connectors.shopify.fake import running_fake

TOKEN = "shpat_campaign0123"
BRIEF = "Brand: Loomwell\nGoal: spring launch\n\nProduct descriptions and SEO for these products.\n"
PRODUCTS = (
    "sku,name,handle,material\n"
    "LW-01,Linen shirt,linen-shirt,linen\n"
    "LW-02,Wool scarf,wool-scarf,wool\n"
    "LW-99,Ghost jacket,ghost-jacket,cotton\n"
)
MISSING = "shopify/v2026_01: the shop has no product with SKU 'LW-99' or handle 'ghost-jacket'"
"""The whole line is checked in test_shopify.py; the CLI summary shows its first 40 chars."""


def test_product_copy_reaches_the_shop_once_and_an_unknown_sku_fails_alone(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "brief.md").write_text(BRIEF)
    (tmp_path / "products.csv").write_text(PRODUCTS)
    with running_fake(TOKEN) as shop:
        shop.add_product(1, "Linen shirt", sku="LW-01")
        shop.add_product(2, "Wool scarf", sku="LW-02")
        env = cli_env | {
            "BRANDLOOM_CONNECTORS": json.dumps({"shop": "shopify/v2026_01"}),
            "BRANDLOOM_CONNECTORS_LIVE": "shop",
            "BRANDLOOM_SHOPIFY_URL": shop.url,
            "BRANDLOOM_SHOPIFY_ACCESS_TOKEN": TOKEN,
        }
        run = brandloom(
            env, "run", "--auto-approve", "--brief-file", str(tmp_path / "brief.md"),
            "--products-file", str(tmp_path / "products.csv"), "--thread-id", "shop-1",
        )  # fmt: skip
        assert run.returncode == 3, run.stdout + run.stderr  # LW-99 waits in review
        assert shop.requests.count("productUpdate") == 4  # 2 products x (description, SEO)
        for number, sku in ((1, "LW-01"), (2, "LW-02")):
            product = shop.products[f"gid://shopify/Product/{number}"]
            assert product.description_html.startswith("scripted draft"), product
            assert product.seo_description, product
            slug = sku.lower()
            assert product.metafields == {
                "brandloom.publish_key": f"shop-1/product_description-{slug}@v1",
                "brandloom.seo_publish_key": f"shop-1/seo_meta-{slug}@v1",
            }

        resumed = brandloom(env, "resume", "shop-1", "--auto-approve")
        assert resumed.returncode == 3, resumed.stdout + resumed.stderr
        assert shop.requests.count("productUpdate") == 4  # nothing written twice

    listed = brandloom(env, "assets", "list", "shop-1")
    assert listed.returncode == 0, listed.stderr
    rows = [cells(line) for line in listed.stdout.splitlines() if "-lw-" in line]
    statuses = {row[0]: row[2] for row in rows}
    assert statuses == {
        "product_description-lw-01": "published", "product_description-lw-02": "published",
        "product_description-lw-99": "review", "seo_meta-lw-01": "published",
        "seo_meta-lw-02": "published", "seo_meta-lw-99": "review",
    }  # fmt: skip
    history = brandloom(env, "assets", "history", "shop-1", "product_description-lw-01")
    assert "v1 receipt " in history.stdout and "shopify/v2026_01" in history.stdout, history
    assert run.stdout.count(MISSING[:40]) == 2, run.stdout  # the summary's note column
