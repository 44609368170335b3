"""``gemini:<model>``: Google Gemini through ``google-genai`` (not the retired google-generativeai).

``GeminiClient`` maps AutoGen messages onto ``generate_content_stream``: system messages become
the system instruction, assistant turns the ``model`` role. The SDK's own retries are off (our
``RetryPolicy`` owns them). ``gemini_base_url`` points it at a proxy or gateway.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Sequence
from typing import TYPE_CHECKING, Any

from autogen_core.models import CreateResult, LLMMessage, RequestUsage

from agents.providers.model import (
    TEXT_ONLY_MODEL,
    ChatModel,
    GenerationOptions,
    ProviderInfo,
    StreamingChatClient,
    as_role_messages,
)
from tools.errors import ConfigError, ProviderError
from tools.settings import Settings

INFO = ProviderInfo(
    env_key="GEMINI_API_KEY",
    key=lambda settings: settings.gemini_api_key,
    chat_models=("gemini:gemini-2.5-flash",),
)
"""Keyed by ``GEMINI_API_KEY``."""

if TYPE_CHECKING:
    from google import genai

INSTALL_HINT = "gemini: models need google-genai: pip install google-genai"
_RETRY_DELAY = re.compile(r"retryDelay'?\"?\s*:\s*'?\"?(\d+(?:\.\d+)?)s")


class GeminiClient(StreamingChatClient):
    """AutoGen client over ``google.genai.Client.aio.models.generate_content_stream``."""

    def __init__(self, client: genai.Client, model_name: str, defaults: GenerationOptions) -> None:
        super().__init__(TEXT_ONLY_MODEL, defaults)
        self._client = client
        self._model_name = model_name

    def request(self, messages: Sequence[LLMMessage], options: GenerationOptions) -> dict[str, Any]:
        """The ``generate_content_stream`` keyword arguments for these messages."""
        from google.genai import types

        roles = as_role_messages(messages)
        system = "\n\n".join(m["content"] for m in roles if m["role"] == "system")
        contents = [
            types.Content(
                role="model" if m["role"] == "assistant" else "user",
                parts=[types.Part(text=m["content"])],
            )
            for m in roles
            if m["role"] != "system"
        ]
        config = types.GenerateContentConfig(
            system_instruction=system or None,
            temperature=options.temperature,
            max_output_tokens=options.max_tokens,
        )
        return {"model": self._model_name, "contents": contents, "config": config}

    async def _stream(
        self, messages: Sequence[LLMMessage], options: GenerationOptions
    ) -> AsyncGenerator[str | CreateResult, None]:
        chunks: list[str] = []
        usage = RequestUsage(prompt_tokens=0, completion_tokens=0)
        stream = await self._client.aio.models.generate_content_stream(
            **self.request(messages, options)
        )
        async for response in stream:
            text = _response_text(response)
            if text:
                chunks.append(text)
                yield text
            if response.usage_metadata is not None:
                usage = RequestUsage(
                    prompt_tokens=response.usage_metadata.prompt_token_count or 0,
                    completion_tokens=response.usage_metadata.candidates_token_count or 0,
                )
        content = "".join(chunks)
        yield CreateResult(finish_reason="stop", content=content, usage=usage, cached=False)


def _response_text(response: Any) -> str:
    """Text parts of the first candidate (``response.text`` warns on non-text parts)."""
    if not response.candidates or response.candidates[0].content is None:
        return ""
    parts = response.candidates[0].content.parts or []
    return "".join(part.text for part in parts if part.text)


def build(model_name: str, settings: Settings) -> ChatModel:
    """Factory entry for ``gemini:<model>``."""
    try:
        from google import genai
        from google.genai import types
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None
    if settings.gemini_api_key is None or not settings.gemini_api_key.get_secret_value():
        raise ConfigError(f"gemini:{model_name} needs {INFO.env_key}")
    http_options = types.HttpOptions(
        base_url=settings.gemini_base_url, retry_options=types.HttpRetryOptions(attempts=1)
    )
    client = genai.Client(
        api_key=settings.gemini_api_key.get_secret_value(), http_options=http_options
    )
    defaults = GenerationOptions(settings.model_max_tokens, settings.model_temperature)
    gemini = GeminiClient(client, model_name, defaults)
    return ChatModel(f"gemini:{model_name}", gemini, to_provider_error=gemini_error)


def gemini_error(exc: Exception) -> ProviderError | None:
    """429, 408 and 5xx API errors, timeouts and connection failures are transient."""
    from google.genai import errors

    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, errors.APIError):
        status = int(exc.code or 0)
        transient = status in (408, 429) or status >= 500
        detail = "authentication failed: check GEMINI_API_KEY" if status in (401, 403) else None
        return ProviderError(
            f"gemini {status}: {(detail or exc.message or exc.status or '')[:200]}",
            provider="gemini",
            status=status,
            retry_after=_retry_delay(exc.details),
            transient=transient,
        )
    if isinstance(exc, (TimeoutError, ConnectionError, *_transport_errors())):
        return ProviderError(f"gemini: {type(exc).__name__}", provider="gemini", transient=True)
    return None


def _retry_delay(details: object) -> float | None:
    """Gemini puts the wait in ``RetryInfo.retryDelay`` (``"30s"``) rather than a header."""
    match = _RETRY_DELAY.search(str(details))
    return float(match.group(1)) if match else None


def _transport_errors() -> tuple[type[Exception], ...]:
    """Connection-level failures of the HTTP stacks google-genai may use."""
    import httpx

    found: list[type[Exception]] = [httpx.TransportError]
    try:
        import aiohttp

        found.append(aiohttp.ClientConnectionError)
    except ImportError:  # aiohttp is optional for google-genai
        pass
    return tuple(found)
