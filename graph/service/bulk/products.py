"""A bulk job's products file, validated whole before anything is enqueued.

Two formats: a plain CSV with a ``sku`` column (plus ``name``, ``features`` ... as in a brief's
product list) and a Shopify product export (``Handle``, ``Title``, ``Body (HTML)``, ``Vendor``,
``Tags``, ``Variant SKU`` ...; a product's extra variant and image rows repeat its ``Handle``
with an empty ``Title`` and are folded into it). Every bad row is collected (bad encoding,
empty row, missing SKU, duplicate SKU) and reported in one ``ProductsInvalid``; a file over
the size cap or without the needed columns is refused at once.
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

from tools.errors import InputError

MAX_ROWS = 5_000
"""Most products one job may hold."""
SHOPIFY_COLUMNS = ("handle", "title", "body (html)")
"""The columns that identify a Shopify product export (lower-cased)."""


class ProductsInvalid(InputError):
    """A products file with bad rows; ``problems`` are ``(line, message)`` pairs (1-based,
    0: the file as a whole), all reported at once so one edit fixes them."""

    def __init__(self, path: Path, problems: list[tuple[int, str]]) -> None:
        self.problems = sorted(problems)
        parts = [f"line {line}: {text}" if line else text for line, text in self.problems]
        count = len(parts)
        head = "a problem" if count == 1 else f"{count} problems"
        super().__init__(f"products file {path} has {head}: " + "; ".join(parts))


def read_products_file(path: Path, max_bytes: int) -> list[dict[str, str]]:
    """The products of ``path``, one dict per SKU (``sku`` and ``name`` always present)."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise InputError(f"cannot read products file {path}: {error.strerror or error}") from None
    if size > max_bytes:
        raise ProductsInvalid(
            path, [(0, f"the file is {size / 1e6:.1f} MB, the limit is {max_bytes / 1e6:.1f} MB")]
        )
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read products file {path}: {error.strerror or error}") from None
    problems: list[tuple[int, str]] = []
    text = _decoded(raw, problems)
    rows = _rows(text, path)
    header = [h.strip().lower() for h in rows[0]]
    body = rows[1:]
    if all(column in header for column in SHOPIFY_COLUMNS):
        products = _shopify(header, body, problems)
    elif "sku" in header:
        products = _plain(header, body, problems)
    else:
        raise ProductsInvalid(
            path,
            [(1, "the header needs a 'sku' column (or be a Shopify export: Handle, Title, "
                 f"Body (HTML), Variant SKU ...); found: {', '.join(header)[:200]}")],
        )  # fmt: skip
    if not products and not problems:
        problems.append((0, "the file has a header but no products"))
    if len(products) > MAX_ROWS:
        problems.append((0, f"too many products: {len(products)}, the limit is {MAX_ROWS}"))
    if problems:
        raise ProductsInvalid(path, problems)
    return products


def _decoded(raw: bytes, problems: list[tuple[int, str]]) -> str:
    """UTF-8 text (a BOM is dropped); each line that is not UTF-8 is a problem."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = raw.split(b"\n")
    for number, line in enumerate(lines, start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as error:
            byte = line[error.start]
            problems.append((number, f"not UTF-8 text (byte 0x{byte:02x}): save the file as UTF-8"))
    return raw.decode("utf-8-sig", errors="replace")


def _rows(text: str, path: Path) -> list[list[str]]:
    try:
        rows = list(csv.reader(io.StringIO(text.replace("\r\n", "\n"))))
    except csv.Error as error:
        raise ProductsInvalid(path, [(0, f"not a CSV file: {error}")]) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ProductsInvalid(path, [(1, "the file is empty: the first line must be a header")])
    return rows


def _plain(
    header: list[str], body: list[list[str]], problems: list[tuple[int, str]]
) -> list[dict[str, str]]:
    products: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(body, start=2):
        row = {key: value.strip() for key, value in zip(header, cells, strict=False) if key}
        if not any(row.values()):
            problems.append((number, "empty row"))
            continue
        if len(cells) > len(header):
            problems.append((number, f"{len(cells)} fields, the header has {len(header)}"))
            continue
        if _checked_sku(row.get("sku", ""), number, seen, problems):
            row.setdefault("name", row["sku"])
            products.append(row)
    return products


def _shopify(
    header: list[str], body: list[list[str]], problems: list[tuple[int, str]]
) -> list[dict[str, str]]:
    products: dict[str, dict[str, str]] = {}
    seen: dict[str, int] = {}
    for number, cells in enumerate(body, start=2):
        row = {key: value.strip() for key, value in zip(header, cells, strict=False) if key}
        handle = row.get("handle", "")
        if not any(row.values()):
            problems.append((number, "empty row"))
        elif not handle:
            problems.append((number, "a row without a Handle"))
        elif handle in products or not row.get("title"):
            if handle not in products:
                problems.append((number, f"product {handle!r} has no Title on its first row"))
        else:
            sku = row.get("variant sku") or handle
            if _checked_sku(sku, number, seen, problems):
                products[handle] = _shopify_product(sku, row)
    return list(products.values())


def _shopify_product(sku: str, row: dict[str, str]) -> dict[str, str]:
    features = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", row["body (html)"])))
    product = {"sku": sku, "name": row["title"], "features": features.strip()}
    for column, key in (("vendor", "vendor"), ("tags", "tags"), ("type", "type")):
        if row.get(column):
            product[key] = row[column]
    return product


def _checked_sku(
    sku: str, line: int, seen: dict[str, int], problems: list[tuple[int, str]]
) -> bool:
    if not sku:
        problems.append((line, "no SKU"))
        return False
    if sku in seen:
        problems.append((line, f"duplicate SKU {sku!r} (first on line {seen[sku]})"))
        return False
    seen[sku] = line
    return True
