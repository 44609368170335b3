"""Publishing connectors: one interface (``Connector``), one file per connector version.

The built-in connector is the filesystem outbox (``tools.connectors.outbox.v1``).
"""

from __future__ import annotations

from tools.connectors.base import Connector, PublishItem, Receipt, idempotency_key
from tools.connectors.outbox.v1 import OutboxConnector

__all__ = ["Connector", "OutboxConnector", "PublishItem", "Receipt", "idempotency_key"]
