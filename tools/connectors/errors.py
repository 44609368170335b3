"""Connector failures, placed in the error tree of ``tools.errors``.

::

    ConnectorError (BrandloomError)   base; the message names the connector, never a secret
    ├── PublishRefused               the remote refused this item (4xx, ``userErrors``): that
    │                                asset fails with the remote's message, the run goes on
    ├── ConnectorAuthFailed          wrong or missing credentials (an operator mistake)
    └── ConnectorUnavailable         the remote is down or keeps throttling after every retry:
                                     publishing pauses, ``brandloom resume`` continues it
"""

from __future__ import annotations

from collections.abc import Iterable

from tools.errors import BrandloomError


class ConnectorError(BrandloomError):
    """A connector call failed."""

    def __init__(self, connector: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{connector}: {message}")
        self.connector = connector
        self.status = status


class PublishRefused(ConnectorError):
    """The remote answered but refused this item; retrying the same request will not help."""

    exit_code = 1


class ConnectorAuthFailed(ConnectorError):
    """The remote refused the credentials (401/403) or none are configured."""

    exit_code = 9


class ConnectorUnavailable(ConnectorError):
    """The remote cannot be reached, or still fails after every retry."""

    exit_code = 7


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every non-empty secret replaced by ``***`` (remote messages may echo
    a header back), cut to one line of at most 300 characters."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    line = " ".join(text.split())
    return line if len(line) <= 300 else line[:297] + "..."
