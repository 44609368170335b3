"""Products files for bulk jobs: both formats read, every bad row reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.service.bulk.products import MAX_ROWS, ProductsInvalid, read_products_file
from tools.errors import InputError

LIMIT = 50_000_000


def write(tmp_path: Path, text: str | bytes, name: str = "p.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_plain_csv(tmp_path: Path) -> None:
    path = write(tmp_path, 'sku,name,features\nA-1,Throw,"linen, soft"\nA-2,Runner,\n')
    products = read_products_file(path, LIMIT)
    assert products == [
        {"sku": "A-1", "name": "Throw", "features": "linen, soft"},
        {"sku": "A-2", "name": "Runner", "features": ""},
    ]


def test_shopify_export_folds_variant_and_image_rows(tmp_path: Path) -> None:
    text = (
        "Handle,Title,Body (HTML),Vendor,Tags,Variant SKU,Image Src\n"
        "linen-throw,Linen Throw,<p>Soft <b>linen</b> &amp; more</p>,Loomwell,home,LW-1,a.jpg\n"
        "linen-throw,,,,,LW-1-XL,b.jpg\n"
        "runner,Table Runner,<p>Hemmed</p>,Loomwell,,,c.jpg\n"
    )
    products = read_products_file(write(tmp_path, text), LIMIT)
    assert products == [
        {"sku": "LW-1", "name": "Linen Throw", "features": "Soft linen & more",
         "vendor": "Loomwell", "tags": "home"},
        {"sku": "runner", "name": "Table Runner", "features": "Hemmed", "vendor": "Loomwell"},
    ]  # fmt: skip


def test_every_bad_row_in_one_report(tmp_path: Path) -> None:
    text = "sku,name\nA,One\n,No sku\nA,Again\n,\nB,Two\nB,Three\n"
    with pytest.raises(ProductsInvalid) as caught:
        read_products_file(write(tmp_path, text), LIMIT)
    assert caught.value.problems == [
        (3, "no SKU"),
        (4, "duplicate SKU 'A' (first on line 2)"),
        (5, "empty row"),
        (7, "duplicate SKU 'B' (first on line 6)"),
    ]
    assert "has 4 problems: line 3: no SKU; line 4: duplicate SKU" in str(caught.value)


def test_bad_encoding_names_each_line(tmp_path: Path) -> None:
    raw = "sku,name\nA,Caf\xe9\nB,ok\nC,Na\xefve\n".encode("latin-1")
    with pytest.raises(ProductsInvalid) as caught:
        read_products_file(write(tmp_path, raw), LIMIT)
    assert [line for line, _ in caught.value.problems] == [2, 4]
    assert "not UTF-8 text (byte 0xe9)" in str(caught.value)


def test_wrong_columns(tmp_path: Path) -> None:
    with pytest.raises(
        ProductsInvalid, match=r"the header needs a 'sku' column.*found: title, price"
    ):
        read_products_file(write(tmp_path, "title,price\nx,1\n"), LIMIT)


def test_too_many_rows(tmp_path: Path) -> None:
    rows = "".join(f"S{n},Name {n}\n" for n in range(MAX_ROWS + 1))
    with pytest.raises(ProductsInvalid, match="too many products: 5001, the limit is 5000"):
        read_products_file(write(tmp_path, "sku,name\n" + rows), LIMIT)


def test_too_large_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.write(b"sku,name\n")
        handle.truncate(100 * 1024 * 1024)
    with pytest.raises(ProductsInvalid, match=r"the file is 104\.9 MB, the limit is 50\.0 MB"):
        read_products_file(path, LIMIT)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "the file is empty"), ("sku,name\n", "a header but no products")],
)
def test_empty_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ProductsInvalid, match=message):
        read_products_file(write(tmp_path, text), LIMIT)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read products file"):
        read_products_file(tmp_path / "nope.csv", LIMIT)
