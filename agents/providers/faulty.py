"""``faulty``: a scripted model that fails on purpose, for fault-injection tests and demos.

``faulty:<scripted name>?error_rate=0.05&rate_limit=0.05&down=false&seed=0`` answers like
``scripted:<name>`` (``echo`` when no name is given) but, per call, fails with a transient
server error (HTTP 500) with probability ``error_rate``, with a rate limit (HTTP 429,
``Retry-After`` ``retry_after`` seconds) with probability ``rate_limit``, and with every call
when ``down`` is true (HTTP 503: the provider is down for the whole run); ``latency`` (seconds,
at most 60) is waited before every answer, a provider's simulated response time (benchmarks).
Faults are drawn from a generator seeded with ``seed``, so a run is repeatable. Provider faults
can then be exercised from the CLI and the chat
(``BRANDLOOM_MODEL_WRITER=faulty:echo?error_rate=0.2``), not only in unit tests.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

from autogen_core.models import CreateResult, LLMMessage

from agents.providers.model import (
    ChatModel,
    GenerationOptions,
    ProviderInfo,
    StreamingChatClient,
)
from agents.providers.scripted import ScriptedModel, default_answer, echo_answer
from tools.errors import ConfigError, ProviderError
from tools.settings import Settings

INFO = ProviderInfo(needs_model_name=False)
"""Fault injection around the scripted model: ``faulty`` alone is a complete id."""


@dataclass(frozen=True)
class FaultPlan:
    """How often a ``FaultyModel`` fails, and how."""

    error_rate: float = 0.0
    """Probability of a transient server error (500) per call."""
    rate_limit: float = 0.0
    """Probability of a rate limit (429) per call."""
    retry_after: float = 0.05
    """The ``Retry-After`` of an injected rate limit, in seconds."""
    down: bool = False
    """Every call fails (503): the provider is down."""
    latency: float = 0.0
    """Seconds waited before each call answers (or fails)."""
    seed: int = 0


_FLAGS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def parse_fault_plan(query: str) -> FaultPlan:
    """A ``FaultPlan`` from ``error_rate=0.05&rate_limit=0.05``; ``ConfigError`` when bad."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise ConfigError(f"fault options {query!r} are not key=value pairs joined by &") from None
    values = dict(_fault_option(key, raw) for key, raw in pairs)
    plan = FaultPlan(**values)  # type: ignore[arg-type]
    if plan.error_rate + plan.rate_limit > 1:
        raise ConfigError("error_rate + rate_limit must be at most 1")
    return plan


def _fault_option(key: str, raw: str) -> tuple[str, float | bool | int]:
    if key not in ("error_rate", "rate_limit", "retry_after", "down", "seed", "latency"):
        raise ConfigError(
            f"unknown fault option {key!r}: use error_rate, rate_limit, retry_after, down, seed "
            "or latency"
        )
    try:
        if key == "down":
            return key, _FLAGS[raw.lower()]
        if key == "seed":
            return key, int(raw)
        number = float(raw)
        if not 0 <= number <= (60 if key in ("retry_after", "latency") else 1):
            raise ValueError(key)
        return key, number
    except (ValueError, KeyError):
        raise ConfigError(f"fault option {key}={raw!r} is out of range or not a number") from None


class FaultyModel(StreamingChatClient):
    """Wraps a ``ScriptedModel``; raises ``ProviderError`` as its ``FaultPlan`` says.

    ``faults`` counts the failures injected so far, by HTTP status.
    """

    def __init__(self, inner: ScriptedModel, plan: FaultPlan, provider: str = "faulty") -> None:
        super().__init__(inner.model_info, GenerationOptions())
        self.inner = inner
        self.plan = plan
        self.provider = provider
        self._random = random.Random(plan.seed)
        self.faults: dict[int, int] = {}

    def _fault(self) -> ProviderError | None:
        plan = self.plan
        draw = self._random.random()
        if plan.down:
            return self._error(503, "the provider is down (injected fault)")
        if draw < plan.error_rate:
            return self._error(500, "server error (injected fault)")
        if draw < plan.error_rate + plan.rate_limit:
            return self._error(429, "rate limited (injected fault)", plan.retry_after)
        return None

    def _error(self, status: int, message: str, retry_after: float | None = None) -> ProviderError:
        self.faults[status] = self.faults.get(status, 0) + 1
        return ProviderError(
            f"{self.provider}: {message}",
            provider=self.provider,
            status=status,
            retry_after=retry_after,
            transient=True,
        )

    async def _stream(
        self, messages: Sequence[LLMMessage], options: GenerationOptions
    ) -> AsyncGenerator[str | CreateResult, None]:
        if self.plan.latency:
            await asyncio.sleep(self.plan.latency)
        fault = self._fault()
        if fault is not None:
            raise fault
        async for item in self.inner._stream(messages, options):
            yield item


def build(model_name: str, settings: Settings) -> ChatModel:
    """Factory entry: ``faulty:<scripted name>?<fault options>`` (see the module docstring)."""
    name, _, query = model_name.partition("?")
    answer = default_answer if name == "default" else echo_answer
    plan = parse_fault_plan(query)
    model_id = f"faulty:{model_name}"
    return ChatModel(model_id=model_id, client=FaultyModel(ScriptedModel(answer), plan))
