"""A contract fake of the Shopify Admin GraphQL API (2026-01) on loopback.

Built from the documented request and response shapes of the operations ``shopify/v2026_01``
uses, so the connector can be tested offline (no Shopify can run here):

- auth: ``X-Shopify-Access-Token`` must match, else HTTP 401 ``{"errors": "[API] Invalid API
  key or access token ..."}``;
- cost throttling: a leaky bucket (``maximumAvailable``, ``restoreRate`` per second); every
  answer carries ``extensions.cost`` with ``requestedQueryCost``, ``actualQueryCost`` and
  ``throttleStatus``; a request costing more than is available gets HTTP 200 with
  ``errors[0].extensions.code == "THROTTLED"`` and no ``data``;
- ``shop``, ``product(id:)`` (with the ``brandloom`` metafields), product look-up by SKU
  (``productVariants(first:, query: "sku:...")``, exact SKU, one variant per product) and by
  handle (``productByIdentifier(identifier: {handle:})``), ``productUpdate`` (with
  ``userErrors`` for an unknown product or an SEO title over 70 characters);
- bulk: ``stagedUploadsCreate`` -> multipart POST of the JSONL to the staged URL ->
  ``bulkOperationRunMutation`` -> ``node(id:)`` polls going CREATED, RUNNING, COMPLETED ->
  the result JSONL (one ``productUpdate`` answer per line, with ``__lineNumber``).

What it does NOT cover: it does not parse GraphQL (it recognises each operation by its root
field and answers the fields the connector selects, whatever the selection says); no query
validation, pagination, API version negotiation, webhooks, ``Retry-After`` on REST, real
query costs (a query costs 2, a mutation 10), bulk query operations, bulk cancellation, or
the 24-hour staged-upload expiry. ``fail_next`` scripts raw HTTP failures (5xx, 429).
"""

from __future__ import annotations

import email
import email.message
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_PATH = "/admin/api/2026-01/graphql.json"
ROOT_FIELD = re.compile(
    r"\b(shop|productUpdate|productVariants|productByIdentifier|product|stagedUploadsCreate"
    r"|bulkOperationRunMutation|node)\s*[({]"
)

SKU_QUERY = re.compile(r'sku:(?:"((?:[^"\\]|\\.)*)"|(\S+))')
"""The one search term the fake understands: ``sku:"X"`` or ``sku:X``."""


@dataclass
class Product:
    id: str
    title: str
    handle: str
    description_html: str = ""
    seo_title: str = ""
    seo_description: str = ""
    metafields: dict[str, str] = field(default_factory=dict)
    """``namespace.key`` -> value."""
    updated_at: str = "2026-01-01T00:00:00Z"
    sku: str = ""
    """The SKU of the product's one variant."""


@dataclass
class FakeShopify:
    """State of the fake shop; tests edit it directly (a human edit in the admin)."""

    token: str
    products: dict[str, Product] = field(default_factory=dict)
    maximum_available: float = 1000.0
    restore_rate: float = 50.0
    available: float = 1000.0
    fail_next: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    """Scripted raw answers (status, headers) for the next requests."""
    user_errors_next: list[dict[str, Any]] = field(default_factory=list)
    """Scripted ``userErrors`` for the next ``productUpdate`` calls (one each)."""
    requests: list[str] = field(default_factory=list)
    """Root field of every GraphQL request served (throttled ones included)."""
    uploads: dict[str, bytes] = field(default_factory=dict)
    bulk: dict[str, dict[str, Any]] = field(default_factory=dict)
    url: str = ""
    _clock: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _last: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_product(self, number: int, title: str, sku: str = "") -> Product:
        gid = f"gid://shopify/Product/{number}"
        product = Product(gid, title, title.lower().replace(" ", "-"), sku=sku)
        self.products[gid] = product
        return product

    def touch(self, product: Product) -> None:
        """A new ``updatedAt`` (strictly increasing, like the admin's)."""
        product.updated_at = f"2026-02-01T00:00:{next(self._clock):02d}Z"

    # --- cost -----------------------------------------------------------------------------
    def spend(self, cost: float) -> tuple[bool, dict[str, Any]]:
        now = time.monotonic()
        self.available = min(
            self.maximum_available, self.available + (now - self._last) * self.restore_rate
        )
        self._last = now
        allowed = cost <= self.available
        if allowed:
            self.available -= cost
        status = {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": int(self.available),
            "restoreRate": self.restore_rate,
        }
        cost_info = {"requestedQueryCost": cost, "throttleStatus": status}
        cost_info["actualQueryCost"] = cost if allowed else None
        return allowed, {"cost": cost_info}

    # --- operations -----------------------------------------------------------------------
    def answer(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        match = ROOT_FIELD.search(query.split("{", 1)[1] if "{" in query else query)
        root = match.group(1) if match else "unknown"
        self.requests.append(root)
        allowed, extensions = self.spend(10.0 if query.lstrip().startswith("mutation") else 2.0)
        if not allowed:
            throttled = {"message": "Throttled", "extensions": {"code": "THROTTLED"}}
            return {"errors": [throttled], "extensions": extensions}
        operations = {
            "shop": self._op_shop,
            "product": self._op_product,
            "productVariants": self._op_productVariants,
            "productByIdentifier": self._op_productByIdentifier,
            "productUpdate": self._op_productUpdate,
            "stagedUploadsCreate": self._op_stagedUploadsCreate,
            "bulkOperationRunMutation": self._op_bulkOperationRunMutation,
            "node": self._op_node,
        }
        if root not in operations:
            return {"errors": [{"message": f"Field '{root}' doesn't exist"}]}
        return {"data": operations[root](variables), "extensions": extensions}

    def _op_shop(self, variables: dict[str, Any]) -> dict[str, Any]:
        return {"shop": {"name": "Fake Shop", "myshopifyDomain": "fake.myshopify.com"}}

    def _op_product(self, variables: dict[str, Any]) -> dict[str, Any]:
        product = self.products.get(variables.get("id", ""))
        return {"product": None if product is None else _product_json(product)}

    def _op_productVariants(self, variables: dict[str, Any]) -> dict[str, Any]:
        match = SKU_QUERY.fullmatch(variables.get("query", "").strip())
        sku = None
        if match:
            quoted = match.group(1)
            sku = match.group(2) if quoted is None else re.sub(r"\\(.)", r"\1", quoted)
        nodes = [
            {"sku": p.sku, "product": _product_json(p)} for p in self.products.values()
            if sku is not None and p.sku == sku
        ]  # fmt: skip
        return {"productVariants": {"nodes": nodes[:1]}}

    def _op_productByIdentifier(self, variables: dict[str, Any]) -> dict[str, Any]:
        handle = (variables.get("identifier") or {}).get("handle")
        found = [p for p in self.products.values() if p.handle == handle]
        return {"productByIdentifier": _product_json(found[0]) if found else None}

    def _op_productUpdate(self, variables: dict[str, Any]) -> dict[str, Any]:
        return {"productUpdate": self.product_update(variables.get("product") or {})}

    def product_update(self, change: dict[str, Any]) -> dict[str, Any]:
        product = self.products.get(change.get("id", ""))
        if self.user_errors_next:
            return {"product": None, "userErrors": [self.user_errors_next.pop(0)]}
        if product is None:
            error = {"field": ["id"], "message": "Product does not exist"}
            return {"product": None, "userErrors": [error]}
        seo = change.get("seo") or {}
        if len(seo.get("title", "")) > 70:
            error = {"field": ["seo", "title"], "message": "SEO title is too long (maximum is 70)"}
            return {"product": None, "userErrors": [error]}
        product.description_html = change.get("descriptionHtml", product.description_html)
        product.seo_title = seo.get("title", product.seo_title)
        product.seo_description = seo.get("description", product.seo_description)
        for metafield in change.get("metafields") or []:
            product.metafields[f"{metafield['namespace']}.{metafield['key']}"] = metafield["value"]
        self.touch(product)
        return {"product": _product_json(product), "userErrors": []}

    def _op_stagedUploadsCreate(self, variables: dict[str, Any]) -> dict[str, Any]:
        path = f"tmp/bulk/{len(self.uploads) + 1}/{variables['input'][0]['filename']}"
        self.uploads[path] = b""
        target = {
            "url": f"{self.url}/staged-uploads",
            "resourceUrl": f"{self.url}/staged-uploads/{path}",
            "parameters": [{"name": "key", "value": path}],
        }
        return {"stagedUploadsCreate": {"stagedTargets": [target], "userErrors": []}}

    def _op_bulkOperationRunMutation(self, variables: dict[str, Any]) -> dict[str, Any]:
        path = variables["stagedUploadPath"]
        if not self.uploads.get(path):
            error = {"field": ["stagedUploadPath"], "message": "No staged upload found"}
            return {"bulkOperationRunMutation": {"bulkOperation": None, "userErrors": [error]}}
        gid = f"gid://shopify/BulkOperation/{len(self.bulk) + 1}"
        self.bulk[gid] = {"id": gid, "status": "CREATED", "path": path, "polls": 0, "url": None}
        operation = {"id": gid, "status": "CREATED", "url": None}
        return {"bulkOperationRunMutation": {"bulkOperation": operation, "userErrors": []}}

    def _op_node(self, variables: dict[str, Any]) -> dict[str, Any]:
        operation = self.bulk.get(variables.get("id", ""))
        if operation is None:
            return {"node": None}
        operation["polls"] += 1
        if operation["polls"] == 1:
            operation["status"] = "RUNNING"
        elif operation["status"] == "RUNNING":
            self._run_bulk(operation)
        shown = {k: operation[k] for k in ("id", "status", "url")}
        return {"node": shown | {"errorCode": None, "objectCount": str(operation.get("count", 0))}}

    def _run_bulk(self, operation: dict[str, Any]) -> None:
        lines = self.uploads[operation["path"]].decode().splitlines()
        results = []
        for number, line in enumerate(lines):
            answer = self.product_update(json.loads(line)["product"])
            results.append(json.dumps({"data": {"productUpdate": answer}, "__lineNumber": number}))
        name = operation["id"].rsplit("/", 1)[1]
        self.uploads[f"results/{name}.jsonl"] = ("\n".join(results) + "\n").encode()
        operation |= {"status": "COMPLETED", "count": len(lines)}
        operation["url"] = f"{self.url}/bulk-results/{name}.jsonl"


def _product_json(product: Product) -> dict[str, Any]:
    def metafield(key: str) -> dict[str, str] | None:
        value = product.metafields.get(key)
        return None if value is None else {"value": value}

    return {
        "id": product.id,
        "handle": product.handle,
        "updatedAt": product.updated_at,
        "onlineStorePreviewUrl": f"https://fake.myshopify.com/products/{product.handle}",
        "descriptionHtml": product.description_html,
        "seo": {"title": product.seo_title, "description": product.seo_description},
        "publishKey": metafield("brandloom.publish_key"),
        "seoPublishKey": metafield("brandloom.seo_publish_key"),
        "draftDescription": metafield("brandloom.draft_description"),
    }


def _payload(part: email.message.Message) -> bytes:
    body = part.get_payload(decode=True)
    return body if isinstance(body, bytes) else b""


def _handler(shop: FakeShopify) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            name = self.path.removeprefix("/bulk-results/")
            body = shop.uploads.get(f"results/{name}")
            self._send(200 if body is not None else 404, body or b"", "application/jsonl")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with shop.lock:
                if shop.fail_next:
                    status, headers = shop.fail_next.pop(0)
                    self._send(status, b'{"errors": "scripted"}', headers=headers)
                elif self.path == "/staged-uploads":
                    self._staged_upload(body)
                elif self.path != API_PATH:
                    self._send(404, b'{"errors": "Not Found"}')
                elif self.headers.get("X-Shopify-Access-Token") != shop.token:
                    message = b'{"errors": "[API] Invalid API key or access token (unrecognized'
                    self._send(401, message + b' login or wrong password)"}')
                else:
                    request = json.loads(body)
                    answer = shop.answer(request["query"], request.get("variables") or {})
                    self._send(200, json.dumps(answer).encode())

        def _staged_upload(self, body: bytes) -> None:
            head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
            form = email.message_from_bytes(head + body)
            parts = {p.get_param("name", header="content-disposition"): p for p in form.walk()}
            key = _payload(parts["key"]).decode()
            if key not in shop.uploads:
                self._send(403, b"<Error>unknown key</Error>", "application/xml")
                return
            shop.uploads[key] = _payload(parts["file"])
            self._send(201, b"<PostResponse/>", "application/xml")

        def _send(
            self, status: int, body: bytes, kind: str = "application/json",
            headers: dict[str, str] | None = None,
        ) -> None:  # fmt: skip
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def running_fake(token: str) -> Iterator[FakeShopify]:
    """A fake shop served on ``127.0.0.1`` (a free port) until the block ends."""
    shop = FakeShopify(token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(shop))
    shop.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield shop
    finally:
        server.shutdown()
        server.server_close()
