"""Which connector publishes which channel: the ``name/version`` table and the router.

``CONNECTORS`` has one line per connector file; a new API version is a new file and a new
line. Each module exposes ``from_settings(parts) -> CheckableConnector``, imported only when
a channel routes to it (vendor code stays unloaded otherwise). ``ConnectorRouter`` is itself
a ``Connector``: the publisher hands it every item and it picks the connector configured for
the item's channel (``BRANDLOOM_CONNECTORS``), with drafts unless the channel is listed in
``BRANDLOOM_CONNECTORS_LIVE``.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

import httpx

from tools.connectors.base import CheckableConnector, PublishItem, Receipt
from tools.connectors.ledger import FileLedger, PublishLedger
from tools.errors import ConfigError
from tools.settings import Settings

CONNECTORS: dict[str, str] = {
    "outbox/v1": "tools.connectors.outbox.v1",
    "webhook/v1": "tools.connectors.webhook.v1",
    "shopify/v2026_01": "tools.connectors.shopify.v2026_01",
    "wordpress/v2": "tools.connectors.wordpress.v2",
    "ghost/v5": "tools.connectors.ghost.v5",
}
"""``name/version`` -> module with ``from_settings``."""


@dataclass
class ConnectorParts:
    """What a connector is built from; tests inject the client, ledger and sleep."""

    settings: Settings
    ledger: PublishLedger
    client: httpx.Client
    live: bool = False
    sleep: Callable[[float], None] = field(default=time.sleep)


Factory = Callable[[ConnectorParts], CheckableConnector]


def known(name: str) -> str:
    """``name`` if registered, else a ConfigError listing the registered ones."""
    if name not in CONNECTORS:
        raise ConfigError(f"unknown connector {name!r}; known: {', '.join(sorted(CONNECTORS))}")
    return name


def build(name: str, parts: ConnectorParts) -> CheckableConnector:
    """The connector registered as ``name``, built from ``parts``."""
    module = importlib.import_module(CONNECTORS[known(name)])
    return cast(Factory, module.from_settings)(parts)


def default_parts(settings: Settings, *, live: bool = False) -> ConnectorParts:
    """Real parts: the ledger under the data dir and one HTTP client with the timeout set."""
    client = httpx.Client(timeout=settings.connector_timeout_seconds)
    ledger = FileLedger(settings.data_dir / "connectors" / "ledger")
    return ConnectorParts(settings=settings, ledger=ledger, client=client, live=live)


def routes(settings: Settings) -> dict[str, str]:
    """Channel -> connector name, as configured (every name checked)."""
    return {channel: known(name) for channel, name in settings.connectors.items()}


def live_channels(settings: Settings) -> frozenset[str]:
    """Channels that go live at once (``connectors_live``)."""
    return frozenset(c.strip() for c in settings.connectors_live.split(",") if c.strip())


class ConnectorRouter:
    """A ``Connector`` that sends each item to the connector of its channel."""

    name = "router"

    def __init__(
        self,
        settings: Settings,
        parts: Callable[[bool], ConnectorParts] | None = None,
    ) -> None:
        self.settings = settings
        self.routes = routes(settings)
        self.default = known(settings.connector_default)
        self.live = live_channels(settings)
        self._parts = parts or (lambda live: default_parts(settings, live=live))
        self._built: dict[tuple[str, bool], CheckableConnector] = {}

    def connector_for(self, channel: str) -> CheckableConnector:
        """The connector publishing ``channel`` (built once per name and live setting)."""
        name = self.routes.get(channel, self.default)
        live = channel in self.live
        if (name, live) not in self._built:
            self._built[(name, live)] = build(name, self._parts(live))
        return self._built[(name, live)]

    def publish(self, item: PublishItem) -> Receipt:
        return self.connector_for(item.channel).publish(item)
