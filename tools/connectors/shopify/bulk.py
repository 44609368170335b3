"""Bulk product updates for ``shopify/v2026_01``: one JSONL upload, one bulk operation.

The documented lifecycle: ``stagedUploadsCreate`` gives a staged target; the JSONL of
``productUpdate`` variables (one line per item) is POSTed to it as a multipart form;
``bulkOperationRunMutation`` starts the operation; ``node(id:)`` is polled until it leaves
CREATED/RUNNING; the result JSONL has one ``productUpdate`` answer per input line
(``__lineNumber``). Items already settled in the ledger are left out of the upload, so a job
re-run after a crash sends only what has no receipt.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tools.connectors.base import PublishItem, Receipt
from tools.connectors.errors import ConnectorUnavailable, PublishRefused

if TYPE_CHECKING:
    from tools.connectors.shopify.v2026_01 import ShopifyConnector

STAGED_UPLOAD = """mutation BrandloomStagedUpload($input: [StagedUploadInput!]!) {
  stagedUploadsCreate(input: $input) {
    stagedTargets { url resourceUrl parameters { name value } }
    userErrors { field message }
  }
}"""

BULK_RUN = """mutation BrandloomBulkRun($mutation: String!, $stagedUploadPath: String!) {
  bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $stagedUploadPath) {
    bulkOperation { id status url }
    userErrors { field message }
  }
}"""

BULK_STATUS = """query BrandloomBulkStatus($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode objectCount url } }
}"""

MAX_POLLS = 120
"""Polls of the operation's status before the job is reported as stuck."""


def publish_bulk(
    shop: ShopifyConnector, items: list[PublishItem]
) -> list[Receipt | PublishRefused]:
    """Receipts (or the refusal of each item) in ``items`` order."""
    from tools.connectors.shopify.lookup import locate
    from tools.connectors.shopify.v2026_01 import PRODUCT_UPDATE, product_input

    results: dict[int, Receipt | PublishRefused] = {}
    pending: list[tuple[int, PublishItem]] = []
    for index, item in enumerate(items):
        entry = shop.ledger.begin(shop.target, item)
        if entry.receipt is not None:
            results[index] = entry.receipt
        else:
            pending.append((index, item))
    located: list[tuple[int, PublishItem]] = []
    lines: list[str] = []
    for index, item in pending:  # an explicit gid goes as is; else look up SKU or handle
        try:
            product_id = item.fields.get("product_id") or locate(shop, item, None)["id"]
        except PublishRefused as refused:
            results[index] = refused
            continue
        located.append((index, item))
        lines.append(json.dumps({"product": product_input(item, product_id, live=shop.live)}))
    pending = located
    if pending:
        path = _upload(shop, ("\n".join(lines) + "\n").encode())
        run = shop.graphql(BULK_RUN, {"mutation": PRODUCT_UPDATE, "stagedUploadPath": path})
        started = run["bulkOperationRunMutation"]
        _refuse_on_errors(shop, started.get("userErrors") or [])
        answers = _answers(shop, _wait(shop, started["bulkOperation"]["id"]))
        for line, (index, item) in enumerate(pending):
            results[index] = _settle(shop, item, answers.get(line))
    return [results[index] for index in range(len(items))]


def _upload(shop: ShopifyConnector, jsonl: bytes) -> str:
    """Stage the JSONL; the ``key`` parameter is the ``stagedUploadPath`` of the operation."""
    staged_input = {
        "resource": "BULK_MUTATION_VARIABLES",
        "filename": "brandloom-products.jsonl",
        "mimeType": "text/jsonl",
        "httpMethod": "POST",
    }
    answer = shop.graphql(STAGED_UPLOAD, {"input": [staged_input]})["stagedUploadsCreate"]
    _refuse_on_errors(shop, answer.get("userErrors") or [])
    target = answer["stagedTargets"][0]
    form = {p["name"]: p["value"] for p in target["parameters"]}
    files = {"file": ("brandloom-products.jsonl", jsonl, "text/jsonl")}
    response = shop.caller.client.post(target["url"], data=form, files=files)
    if response.status_code >= 400:
        raise ConnectorUnavailable(
            shop.name, f"staged upload refused (HTTP {response.status_code})"
        )
    return form["key"]


def _wait(shop: ShopifyConnector, operation_id: str) -> str:
    """The result URL once the operation completed; stuck or failed operations raise."""
    for _ in range(MAX_POLLS):
        node = shop.graphql(BULK_STATUS, {"id": operation_id})["node"]
        status = node["status"]
        if status == "COMPLETED":
            return str(node["url"] or "")
        if status not in ("CREATED", "RUNNING"):
            raise PublishRefused(shop.name, f"bulk operation {status} ({node.get('errorCode')})")
        shop.caller.sleep(max(shop.caller.backoff, 0.01))
    raise ConnectorUnavailable(shop.name, f"bulk operation {operation_id} still running")


def _answers(shop: ShopifyConnector, url: str) -> dict[int, dict[str, Any]]:
    """``productUpdate`` answers by input line number."""
    if not url:
        return {}
    response = shop.caller.send("GET", url)
    answers: dict[int, dict[str, Any]] = {}
    for line in response.text.splitlines():
        if line.strip():
            row = json.loads(line)
            answers[int(row["__lineNumber"])] = row["data"]["productUpdate"]
    return answers


def _settle(
    shop: ShopifyConnector, item: PublishItem, answer: dict[str, Any] | None
) -> Receipt | PublishRefused:
    from tools.connectors.shopify.v2026_01 import _remote, _user_errors

    if answer is None:
        return PublishRefused(shop.name, f"bulk operation returned no result for {item.asset_id}")
    if answer.get("userErrors"):
        return PublishRefused(shop.name, shop.caller.clean(_user_errors(answer["userErrors"])))
    remote = _remote(answer["product"], item.key, live=shop.live)
    return shop.ledger.settle(shop.target, item, shop.receipt(item, remote))


def _refuse_on_errors(shop: ShopifyConnector, errors: list[dict[str, Any]]) -> None:
    from tools.connectors.shopify.v2026_01 import _user_errors

    if errors:
        raise PublishRefused(shop.name, shop.caller.clean(_user_errors(errors)))
