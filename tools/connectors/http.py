"""One HTTP call with the retries every connector needs.

429 (with ``Retry-After``), 5xx, timeouts and refused connections are retried with
exponential backoff (doubling from ``backoff``, Retry-After wins when longer, capped at
``max_delay``); 401/403 become ``ConnectorAuthFailed``; any other 4xx ``PublishRefused``;
what still fails after the last retry ``ConnectorUnavailable``. Messages are one line and
pass through ``redact``, so a remote that echoes a header never leaks a secret.

The ``httpx.Client`` is injected (tests pass one bound to a loopback server) and so is
``sleep`` (tests record the delays instead of waiting).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from tools.connectors.errors import (
    ConnectorAuthFailed,
    ConnectorUnavailable,
    PublishRefused,
    redact,
)

JsonValue = object
"""A decoded JSON document (dicts, lists, strings, numbers)."""


class RetryableAnswer(Exception):
    """Raised by a response check to ask for a retry (Shopify's ``THROTTLED`` in a 200)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class Caller:
    """Sends requests for one connector; every connector of the process may share a client."""

    connector: str
    client: httpx.Client
    secrets: tuple[str, ...] = ()
    max_retries: int = 4
    backoff: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep)
    delays: list[float] = field(default_factory=list)
    """Every backoff delay taken, in order (for reports and tests)."""

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
        json: JsonValue = None,
        content: bytes | None = None,
        check: Callable[[httpx.Response], None] | None = None,
    ) -> httpx.Response:
        """The response of the first attempt that is neither retryable nor an error.

        ``headers`` may be a function, called for every attempt (signatures with a timestamp).
        """
        last = "no attempt"
        for attempt in range(self.max_retries + 1):
            retry_after: float | None = None
            try:
                sent = headers() if callable(headers) else headers
                response = self.client.request(
                    method, url, headers=sent, json=json, content=content
                )
            except httpx.TimeoutException:
                last = f"timed out calling {_where(url)}"
            except httpx.TransportError as error:
                last = f"cannot reach {_where(url)} ({type(error).__name__})"
            else:
                if response.status_code == 429 or response.status_code >= 500:
                    last = f"HTTP {response.status_code} from {_where(url)}"
                    retry_after = _retry_after(response.headers.get("retry-after"))
                else:
                    self._raise_for_refusal(response)
                    if check is None:
                        return response
                    try:
                        check(response)
                        return response
                    except RetryableAnswer as answer:
                        last = str(answer)
                        retry_after = answer.retry_after
            if attempt < self.max_retries:
                self._wait(attempt, retry_after)
        raise ConnectorUnavailable(
            self.connector, self.clean(f"{last} after {self.max_retries + 1} attempts")
        )

    def _wait(self, attempt: int, retry_after: float | None) -> None:
        delay = min(self.max_delay, max(self.backoff * 2**attempt, retry_after or 0.0))
        self.delays.append(delay)
        self.sleep(delay)

    def _raise_for_refusal(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        message = self.clean(f"HTTP {status}: {remote_message(response)}")
        if status in (401, 403):
            raise ConnectorAuthFailed(self.connector, message, status=status)
        raise PublishRefused(self.connector, message, status=status)

    def clean(self, text: str) -> str:
        """``text`` as one line with this caller's secrets redacted."""
        return redact(text, self.secrets)


def remote_message(response: httpx.Response) -> str:
    """The remote's own explanation: a JSON ``message``/``errors`` field, or the body start."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict):
        for name in ("message", "errors", "error", "code"):
            if body.get(name):
                return str(body[name])
    return str(body)[:200]


def _retry_after(value: str | None) -> float | None:
    """Seconds of a ``Retry-After`` header (an HTTP date counts as unknown)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _where(url: str) -> str:
    """Scheme, host and path of ``url``: no query string (it may carry a token)."""
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.netloc.decode()}{parsed.path}"
