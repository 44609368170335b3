"""What the factory hands out: a ``ChatModel`` (an AutoGen client plus its id, price and error map).

Specialists never see vendor SDKs: they get AutoGen ``ChatCompletionClient`` objects wrapped by
``agents.providers.resilience.ResilientClient``. ``StreamingChatClient`` is the small base of our
own clients (local llama.cpp, Gemini, scripted): a subclass implements one method,
``_stream``, and gets ``create``, usage accounting and the rest of AutoGen's interface.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
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

from tools.errors import ProviderError
from tools.settings import Settings

NO_ARGS: Mapping[str, Any] = MappingProxyType({})
"""An empty, immutable ``extra_create_args`` default."""

TEXT_ONLY_MODEL: ModelInfo = {
    "vision": False,
    "function_calling": False,
    "json_output": False,
    "family": "unknown",
    "structured_output": False,
    "multiple_system_messages": False,
}
"""Capabilities of a plain text-in/text-out chat model (declared, never probed)."""


@dataclass(frozen=True)
class ProviderInfo:
    """What the factory and the chat know about a provider before building any model.

    Each provider module declares its own ``INFO``; the factory's ``PROVIDERS`` table only maps
    the id prefix to the module, so a new provider is one file plus one table line.
    """

    env_key: str = ""
    """The environment variable holding its API key ("" when it needs none)."""
    key: Callable[[Settings], object | None] | None = None
    """Reads that key from settings (None: the provider needs no key)."""
    chat_models: tuple[str, ...] = ()
    """Model ids the chat offers once the key is set (or always, for a keyless provider)."""
    needs_model_name: bool = True
    """False when ``provider`` alone is a complete id (``scripted``, ``faulty``)."""


@dataclass(frozen=True)
class Price:
    """USD per one million tokens."""

    prompt_usd_per_mtok: float = 0.0
    completion_usd_per_mtok: float = 0.0
    known: bool = True
    """False: the price table has no entry for the model. Its calls are costed at $0, so
    budgets are not enforced for it, and the run says so once (``price_unknown`` events)."""

    def cost_usd(self, prompt_tokens: int, completion_tokens: int) -> float:
        """Cost of one call, in US dollars."""
        return (
            prompt_tokens * self.prompt_usd_per_mtok
            + completion_tokens * self.completion_usd_per_mtok
        ) / 1_000_000


TokenCounter = Callable[[str], int]
"""Counts the tokens of a text as a model's tokenizer would (see ``agents.providers.tokens``)."""


def chars_per_token_estimate(text: str) -> int:
    """Four characters per token: the rule of thumb for English text when no tokenizer is known."""
    return (len(text) + 3) // 4


ErrorMapper = Callable[[Exception], ProviderError | None]
"""Turns a vendor exception into a ``ProviderError`` (None: not a provider failure, a bug)."""


def no_vendor_errors(exc: Exception) -> ProviderError | None:
    """Error map of providers whose clients raise ``ProviderError`` themselves."""
    return exc if isinstance(exc, ProviderError) else None


@dataclass(frozen=True)
class ChatModel:
    """A resolved ``provider:model`` id."""

    model_id: str
    """The id as configured (``local:smollm2-135m``, ``openai:gpt-4.1-mini`` ...)."""
    client: ChatCompletionClient
    """The AutoGen client that talks to the model."""
    price: Price = field(default_factory=Price)
    """Price used for the ``cost_usd`` of trace events."""
    to_provider_error: ErrorMapper = no_vendor_errors
    """Maps the vendor's exceptions to ``ProviderError`` (transient or not)."""
    token_counter: TokenCounter = chars_per_token_estimate
    """Counts tokens locally when a response comes without usage (some OpenAI-compatible
    servers send none in streams): the event is then marked ``usage_estimated``."""


ModelResolver = Callable[[str], ChatModel]
"""The injection seam: ``provider:model`` id -> ``ChatModel``. Tests pass scripted ones."""


@dataclass(frozen=True)
class GenerationOptions:
    """Per-call sampling options our own clients read from ``extra_create_args``."""

    max_tokens: int = 512
    """Completion token cap."""
    temperature: float = 0.7

    @classmethod
    def from_args(cls, args: Mapping[str, Any], default: GenerationOptions) -> GenerationOptions:
        return cls(
            max_tokens=int(args.get("max_tokens", default.max_tokens)),
            temperature=float(args.get("temperature", default.temperature)),
        )


class StreamingChatClient(ChatCompletionClient):
    """Base of our own AutoGen clients: implement ``_stream``; the rest is shared."""

    def __init__(self, model_info: ModelInfo, defaults: GenerationOptions) -> None:
        self._model_info = model_info
        self._defaults = defaults
        self._total = RequestUsage(prompt_tokens=0, completion_tokens=0)
        self._last = RequestUsage(prompt_tokens=0, completion_tokens=0)

    @abstractmethod
    def _stream(
        self, messages: Sequence[LLMMessage], options: GenerationOptions
    ) -> AsyncGenerator[str | CreateResult, None]:
        """Yield text chunks, then exactly one ``CreateResult`` with usage."""

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
        options = GenerationOptions.from_args(extra_create_args, self._defaults)
        async for item in self._stream(messages, options):
            if isinstance(item, CreateResult):
                self._record_usage(item.usage)
            yield item

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
        async for item in self.create_stream(messages, extra_create_args=extra_create_args):
            if isinstance(item, CreateResult):
                result = item
        if result is None:
            raise ProviderError("the model stream ended without a result", transient=True)
        return result

    def _record_usage(self, usage: RequestUsage) -> None:
        self._last = usage
        self._total = RequestUsage(
            prompt_tokens=self._total.prompt_tokens + usage.prompt_tokens,
            completion_tokens=self._total.completion_tokens + usage.completion_tokens,
        )

    async def close(self) -> None:
        return None

    def actual_usage(self) -> RequestUsage:
        return self._last

    def total_usage(self) -> RequestUsage:
        return self._total

    def count_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        """A rough count (4 characters per token); exact counts come with each result."""
        return sum(len(str(message.content)) for message in messages) // 4

    def remaining_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        return max(0, 8192 - self.count_tokens(messages))

    @property
    def capabilities(self) -> ModelCapabilities:
        return self._model_info

    @property
    def model_info(self) -> ModelInfo:
        return self._model_info


def message_text(message: LLMMessage) -> str:
    """The text of a message (non-text parts are dropped: our models are text-only)."""
    content = message.content
    if isinstance(content, str):
        return content
    return "\n".join(part for part in content if isinstance(part, str))


def as_role_messages(messages: Sequence[LLMMessage]) -> list[dict[str, str]]:
    """AutoGen messages -> ``[{"role": ..., "content": ...}]`` (system/user/assistant)."""
    roles = {"SystemMessage": "system", "UserMessage": "user", "AssistantMessage": "assistant"}
    return [
        {"role": roles.get(message.type, "user"), "content": message_text(message)}
        for message in messages
    ]
