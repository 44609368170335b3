"""Retries with backoff and jitter, per-call timeouts, fallback chains and one trace event per call.

``ResilientClient`` is an AutoGen ``ChatCompletionClient`` over a chain of ``ChatModel``s. A
specialist creates one per draft (it carries that draft's trace context and collects its events)
and hands it to its ``AssistantAgent``. For each model in the chain it tries up to
``1 + max_retries`` times: transient failures (timeouts, 429, 5xx) wait an exponentially growing,
jittered delay (at least the provider's Retry-After, capped) and retry; a non-transient failure
moves to the next model at once. Every attempt, failed or not, yields a ``model_call`` event.
When the whole chain fails it raises ``ProviderError``; exceptions that are not provider
failures (bugs, an exhausted script) propagate untouched.

A stream that fails half-way is retried from the start: chunks already streamed to the UI are
then followed by the new attempt's chunks (the final text only holds the successful attempt).
A stream that ends with neither text nor a finish reason was cut off (a server that dropped the
request, e.g. llama.cpp's server interrupting it for a newer one): transient, retried too.

Usage never silently becomes zero: a result without usage (a compatible server that sends none
in streams) is counted with the model's ``token_counter`` and its event marked
``usage_estimated``; a model with no price marks its events ``price_unknown``.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from autogen_core import CancellationToken
from autogen_core.models import (
    ChatCompletionClient,
    CreateResult,
    LLMMessage,
    ModelCapabilities,
    ModelInfo,
    RequestUsage,
)
from autogen_core.tools import Tool, ToolSchema
from pydantic import BaseModel

from agents.providers.model import NO_ARGS, ChatModel
from agents.providers.tokens import estimate_usage, has_usage
from tools.errors import ProviderError
from tools.events import TraceEvent
from tools.settings import Settings


@dataclass
class RetryPolicy:
    """How hard to try one model; ``sleep``, ``clock`` and ``rng`` are injectable for tests."""

    max_retries: int = 3
    """Retries after the first attempt, for transient failures only."""
    base_delay_s: float = 0.5
    """Backoff before the first retry; doubles per retry (full jitter: uniform in [d/2, d])."""
    max_delay_s: float = 20.0
    """Cap of one delay, including a provider's Retry-After."""
    timeout_s: float = 300.0
    """Wall-clock limit of one attempt (until its last streamed chunk), in seconds."""
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> RetryPolicy:
        values: dict[str, Any] = {
            "max_retries": settings.model_max_retries,
            "base_delay_s": settings.model_retry_base_seconds,
            "max_delay_s": settings.model_retry_max_seconds,
            "timeout_s": settings.task_timeout_seconds,
        }
        return cls(**(values | overrides))

    def delay_s(self, retry: int, retry_after_s: float | None) -> float:
        """Delay before retry number ``retry`` (1-based), in seconds."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (retry - 1))
        jittered = self.rng.uniform(ceiling / 2, ceiling)
        return min(self.max_delay_s, max(jittered, retry_after_s or 0.0))


@dataclass(frozen=True)
class _Call:
    """The arguments of one ``create_stream`` call, replayed on every attempt."""

    messages: Sequence[LLMMessage]
    tools: Sequence[Tool | ToolSchema]
    tool_choice: Tool | Literal["auto", "required", "none"]
    json_output: bool | type[BaseModel] | None
    extra_create_args: Mapping[str, Any]
    cancellation_token: CancellationToken | None


@dataclass(frozen=True)
class CallContext:
    """Who is calling: copied into every trace event."""

    agent: str
    node: str
    thread_id: str = ""
    asset_id: str = ""
    memory_item_ids: tuple[str, ...] = ()


class ResilientClient(ChatCompletionClient):
    """One draft's view of a fallback chain; ``events`` collects its ``model_call`` events."""

    def __init__(
        self,
        chain: Sequence[ChatModel],
        policy: RetryPolicy,
        context: CallContext,
        create_args: Mapping[str, Any] | None = None,
    ) -> None:
        if not chain:
            raise ValueError("a fallback chain needs at least one model")
        self._chain = list(chain)
        self._policy = policy
        self._context = context
        self._create_args = dict(create_args or {})
        self.events: list[TraceEvent] = []

    async def create_stream(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = (),
        tool_choice: Tool | Literal["auto", "required", "none"] = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = NO_ARGS,
        cancellation_token: CancellationToken | None = None,
    ) -> AsyncGenerator[str | CreateResult, None]:
        call = _Call(
            messages, tools, tool_choice, json_output, extra_create_args, cancellation_token
        )
        errors: list[str] = []
        for model in self._chain:
            for attempt in range(self._policy.max_retries + 1):
                started = self._policy.clock()
                try:
                    async for item in self._attempt(model, call):
                        if isinstance(item, CreateResult):
                            _check_finished(item)
                            item, estimated = _counted(model, call.messages, item)
                            self._record(model, attempt, started, item.usage, "", estimated)
                        yield item
                    return
                except Exception as exc:
                    failure = self._as_provider_error(model, exc)
                    self._record(model, attempt, started, None, str(failure))
                    if not failure.transient or attempt == self._policy.max_retries:
                        errors.append(f"{model.model_id}: {failure}")
                        break
                    await self._policy.sleep(self._policy.delay_s(attempt + 1, failure.retry_after))
        raise ProviderError("every model failed (" + "; ".join(errors) + ")", transient=False)

    async def _attempt(
        self, model: ChatModel, call: _Call
    ) -> AsyncGenerator[str | CreateResult, None]:
        """One call, each chunk awaited against the attempt's deadline.

        Tools go only to models that declare function calling (a fallback may not)."""
        deadline = self._policy.clock() + self._policy.timeout_s
        with_tools = bool(call.tools) and model.client.model_info["function_calling"]
        stream = model.client.create_stream(
            call.messages,
            tools=call.tools if with_tools else [],
            tool_choice=call.tool_choice if with_tools else "auto",
            json_output=call.json_output,
            extra_create_args=self._create_args | dict(call.extra_create_args),
            cancellation_token=call.cancellation_token,
        )
        while True:
            remaining = max(0.0, deadline - self._policy.clock())
            try:
                item = await asyncio.wait_for(anext(stream), timeout=remaining)
            except StopAsyncIteration:
                return
            except TimeoutError:
                await _close_quietly(stream)
                raise ProviderError(
                    f"no answer within {self._policy.timeout_s:g}s", transient=True
                ) from None
            yield item

    @staticmethod
    def _as_provider_error(model: ChatModel, exc: Exception) -> ProviderError:
        failure = model.to_provider_error(exc)
        if failure is None:
            raise exc
        return failure

    def _record(
        self,
        model: ChatModel,
        attempt: int,
        started: float,
        usage: RequestUsage | None,
        error: str,
        estimated: bool = False,
    ) -> None:
        prompt_tokens = usage.prompt_tokens if usage else 0
        completion_tokens = usage.completion_tokens if usage else 0
        self.events.append(
            TraceEvent(
                kind="model_call",
                thread_id=self._context.thread_id,
                node=self._context.node,
                agent=self._context.agent,
                asset_id=self._context.asset_id,
                model_id=model.model_id,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                cost_usd=model.price.cost_usd(prompt_tokens, completion_tokens),
                usage_estimated=estimated,
                price_unknown=not model.price.known,
                latency_ms=(self._policy.clock() - started) * 1000,
                retries=attempt,
                memory_item_ids=list(self._context.memory_item_ids),
                summary=f"failed: {error}" if error else "ok",
            )
        )

    async def create(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = (),
        tool_choice: Tool | Literal["auto", "required", "none"] = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = NO_ARGS,
        cancellation_token: CancellationToken | None = None,
    ) -> CreateResult:
        result: CreateResult | None = None
        stream = self.create_stream(
            messages,
            tools=tools,
            tool_choice=tool_choice,
            json_output=json_output,
            extra_create_args=extra_create_args,
            cancellation_token=cancellation_token,
        )
        async for item in stream:
            if isinstance(item, CreateResult):
                result = item
        if result is None:
            raise ProviderError("the model stream ended without a result", transient=True)
        return result

    @property
    def _primary(self) -> ChatCompletionClient:
        return self._chain[0].client

    async def close(self) -> None:
        return None

    def actual_usage(self) -> RequestUsage:
        return self._primary.actual_usage()

    def total_usage(self) -> RequestUsage:
        return self._primary.total_usage()

    def count_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        return self._primary.count_tokens(messages, tools=tools)

    def remaining_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        return self._primary.remaining_tokens(messages, tools=tools)

    @property
    def capabilities(self) -> ModelCapabilities:
        return self._primary.model_info

    @property
    def model_info(self) -> ModelInfo:
        return self._primary.model_info


def _check_finished(result: CreateResult) -> None:
    if result.finish_reason == "unknown" and not result.content:
        raise ProviderError("the answer was cut off before any text", transient=True)


def _counted(
    model: ChatModel, messages: Sequence[LLMMessage], result: CreateResult
) -> tuple[CreateResult, bool]:
    """The result with usage, counted locally when the provider sent none; True if counted."""
    if has_usage(result.usage):
        return result, False
    usage = estimate_usage(model.token_counter, messages, result.content)
    return result.model_copy(update={"usage": usage}), True


async def _close_quietly(stream: AsyncGenerator[Any, None]) -> None:
    try:
        await stream.aclose()
    except Exception:  # a stream that fails while closing has already failed
        return
