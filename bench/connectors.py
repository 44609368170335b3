"""Connectors: publish latency per connector on loopback, first publish vs re-publish.

For each connector (outbox/v1, webhook/v1 to a Standard Webhooks receiver, shopify/v2026_01
to the contract fake, wordpress/v2 to a real WordPress, ghost/v5 to a real Ghost) ``--items``
asset versions are published one after the other, then published again three ways:

- first: a new asset version (look-up, then the write);
- re-publish, receipt kept: the ledger holds the receipt, nothing is sent (what a resume does);
- re-publish, receipt lost: an empty ledger (a crash between the write and the receipt), so
  the connector looks the remote object up by its key and finds the write landed (the
  webhook cannot read back, so it redelivers under the same ``webhook-id``).

p50/p95 in milliseconds. Run: ``.venv/bin/python -m bench.connectors [--items 40]``; starts
WordPress (PHP + MariaDB) and Ghost from ``~/.cache/brandloom`` like the tests (``make
wordpress-deps ghost-deps``). Writes ``bench/results/connectors.md``.
"""

from __future__ import annotations

import argparse
import base64
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.tools.connectors import conftest as sites
from tests.tools.connectors.webhook_receiver import running_receiver
from tools.connectors.base import CheckableConnector, PublishItem
from tools.connectors.ledger import FileLedger
from tools.connectors.registry import ConnectorParts, build
from tools.connectors.shopify.fake import running_fake
from tools.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "connectors.md"
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
TOKEN = "shpat_bench"


class _Temp:
    """``tmp_path_factory`` for the Ghost fixture outside pytest."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def mktemp(self, name: str) -> Path:
        path = Path(tempfile.mkdtemp(prefix=name, dir=self.root))
        return path


@contextmanager
def _site(fixture: Any, *args: Any) -> Iterator[Any]:
    """A session fixture of tests/tools/connectors/conftest.py, run as a context manager."""
    generator = fixture.__wrapped__(*args)
    try:
        yield next(generator)
    finally:
        generator.close()


def _items(kind: str, channel: str, count: int, run: str) -> list[PublishItem]:
    """Distinct asset versions; product copy finds its product by SKU (``SKU-n``)."""
    return [_item(kind, channel, n, run) for n in range(count)]


def _item(kind: str, channel: str, n: int, run: str) -> PublishItem:
    product = {"sku": f"SKU-{n + 1}"} if kind == "product_description" else {}
    return PublishItem(
        thread_id=f"bench-{run}", asset_id=f"{kind}-{n:03d}", version=1, asset_kind=kind,
        channel=channel, title=f"Bench {n}", text=f"<p>Linen, softened, number {n}.</p>",
        product=product,
    )  # fmt: skip


def _timed(connector: CheckableConnector, items: list[PublishItem]) -> list[float]:
    latencies = []
    for item in items:
        started = time.perf_counter()
        connector.publish(item)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def measure(
    name: str, settings: Callable[[Path], Settings], kind: str, count: int, root: Path
) -> list[tuple[str, list[float]]]:
    """First publish, re-publish with the ledger, re-publish with an empty ledger."""
    run = f"{name.replace('/', '-')}-{int(time.time())}"
    items = _items(kind, "bench", count, run)

    def connector(ledger: str) -> CheckableConnector:
        parts = ConnectorParts(
            settings=settings(root), ledger=FileLedger(root / ledger),
            client=httpx.Client(timeout=30), live=False,
        )  # fmt: skip
        return build(name, parts)

    first = _timed(connector(f"{run}-ledger"), items)
    kept = _timed(connector(f"{run}-ledger"), items)
    lost = _timed(connector(f"{run}-empty"), items)
    return [("first publish", first), ("re-publish, receipt kept", kept),
            ("re-publish, receipt lost (look-up)", lost)]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=40)
    count = parser.parse_args().items
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        root = Path(tmp)
        receiver = stack.enter_context(running_receiver(SECRET))
        shop = stack.enter_context(running_fake(TOKEN))
        for n in range(count):
            shop.add_product(n + 1, f"Shirt {n + 1}", sku=f"SKU-{n + 1}")
        shop.maximum_available = shop.available = 1e9  # latency, not throttling
        wordpress = stack.enter_context(_site(sites.wordpress))
        ghost = stack.enter_context(_site(sites.ghost, _Temp(root)))
        base = {"_env_file": None, "connector_timeout_seconds": 30}
        cases: list[tuple[str, str, Callable[[Path], Settings]]] = [
            ("outbox/v1", "social_post", lambda r: Settings(**base, data_dir=r)),
            ("webhook/v1", "social_post", lambda r: Settings(
                **base, data_dir=r, webhook_url=receiver.url, webhook_secret=SECRET)),
            ("shopify/v2026_01", "product_description", lambda r: Settings(
                **base, data_dir=r, shopify_url=shop.url, shopify_access_token=TOKEN)),
            ("wordpress/v2", "blog_article", lambda r: Settings(
                **base, data_dir=r, wordpress_url=wordpress.url, wordpress_user=wordpress.user,
                wordpress_app_password=wordpress.app_password)),
            ("ghost/v5", "newsletter", lambda r: Settings(
                **base, data_dir=r, ghost_url=ghost.url, ghost_admin_key=ghost.admin_key)),
        ]  # fmt: skip
        for name, kind, settings in cases:
            for label, values in measure(name, settings, kind, count, root):
                rows.append(
                    f"| {name} | {label} | {len(values)} | {_p(values, 50):.2f} | "
                    f"{_p(values, 95):.2f} |"
                )
    table = "\n".join(
        ["| connector | publish | n | p50 ms | p95 ms |", "|---|---|---:|---:|---:|", *rows]
    )
    print(table)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        "# bench.connectors\n\nDrafts, loopback, one publish at a time; "
        f"{count} asset versions per connector.\n\n{table}\n"
    )


if __name__ == "__main__":
    main()
