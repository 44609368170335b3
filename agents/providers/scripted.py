"""``scripted``: a deterministic model for tests and zero-latency benchmarks.

``ScriptedModel`` answers from a list (strings, or exceptions to raise) or from a function of
the messages. It raises ``ScriptExhausted`` when the list runs out, so an unexpected extra model
call fails the test instead of passing silently. ``ScriptExhausted`` is deliberately not a
``ProviderError``: it is a bug in the test or the code, never retried or turned into a fallback.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence

from autogen_core import FunctionCall
from autogen_core.models import CreateResult, LLMMessage, ModelInfo, RequestUsage

from agents.providers.model import (
    TEXT_ONLY_MODEL,
    ChatModel,
    GenerationOptions,
    ModelResolver,
    ProviderInfo,
    StreamingChatClient,
    message_text,
)
from tools.errors import ConfigError
from tools.settings import Settings

INFO = ProviderInfo(needs_model_name=False)
"""Canned answers for tests and demos: ``scripted`` alone is a complete id."""

ScriptedAnswer = str | Exception | list[FunctionCall]
"""A text to answer with, an exception to raise, or tool calls (for function-calling tests)."""
AnswerFunction = Callable[[Sequence[LLMMessage]], str]
"""Computes the answer from the messages (order-independent, fit for concurrent tasks)."""


class ScriptExhausted(RuntimeError):
    """The scripted model was called more often than the test scripted."""


def default_answer(messages: Sequence[LLMMessage]) -> str:
    """What ``scripted`` answers when resolved from settings (no script given)."""
    return "TITLE: Scripted draft\nBODY:\nA deterministic scripted draft for tests and benchmarks."


class ScriptedModel(StreamingChatClient):
    """Answers from a script; streams each answer word by word.

    Token counts are words (prompt: words of all messages), enough for budget tests.
    ``calls`` keeps every message list received, so tests can assert on prompts. Pass a
    ``model_info`` declaring function calling to script tool calls.
    """

    def __init__(
        self,
        answers: Sequence[ScriptedAnswer] | AnswerFunction,
        *,
        latency_s: float = 0.0,
        model_info: ModelInfo = TEXT_ONLY_MODEL,
    ) -> None:
        super().__init__(model_info, GenerationOptions())
        self._function: AnswerFunction | None = answers if callable(answers) else None
        self._answers: list[ScriptedAnswer] = [] if callable(answers) else list(answers)
        self._latency_s = latency_s
        self.calls: list[list[LLMMessage]] = []

    @property
    def remaining(self) -> int:
        """Scripted answers not used yet (0 for a function script)."""
        return len(self._answers)

    def _next_answer(self, messages: Sequence[LLMMessage]) -> str | list[FunctionCall]:
        self.calls.append(list(messages))
        if self._function is not None:
            return self._function(messages)
        if not self._answers:
            raise ScriptExhausted(
                f"scripted model called {len(self.calls)} times but only "
                f"{len(self.calls) - 1} answers were scripted"
            )
        answer = self._answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def _stream(
        self, messages: Sequence[LLMMessage], options: GenerationOptions
    ) -> AsyncGenerator[str | CreateResult, None]:
        answer = self._next_answer(messages)
        if self._latency_s:
            await asyncio.sleep(self._latency_s)
        prompt_words = sum(len(message_text(message).split()) for message in messages)
        if isinstance(answer, list):
            usage = RequestUsage(prompt_tokens=prompt_words, completion_tokens=len(answer))
            yield CreateResult(
                finish_reason="function_calls", content=answer, usage=usage, cached=False
            )
            return
        words = answer.split(" ")
        for index, word in enumerate(words):
            yield word if index == 0 else " " + word
        usage = RequestUsage(prompt_tokens=prompt_words, completion_tokens=len(answer.split()))
        yield CreateResult(finish_reason="stop", content=answer, usage=usage, cached=False)


_LENGTH = re.compile(r"Length: (?:(\d+) to |at most )(\d+) words\.")
_MUST_INCLUDE = re.compile(r"^Must include: (.+)\.$", re.MULTILINE)


def echo_answer(messages: Sequence[LLMMessage]) -> str:
    """``scripted:echo``: a draft meeting the length and required terms the prompt states.

    Deterministic and endless: CLI, crash and browser tests get drafts that pass the verifier.
    """
    prompt = message_text(messages[-1]) if messages else ""
    length = _LENGTH.search(prompt)
    low, high = (int(length.group(1) or 0), int(length.group(2))) if length else (0, 60)
    must = _MUST_INCLUDE.search(prompt)
    terms = [t.strip() for t in must.group(1).split(",")] if must else []
    head = " ".join([*terms, "scripted draft"])
    count = max(low, min(high, 40)) - len(head.split())
    body = head + " " + " ".join(f"point{i}" for i in range(max(count, 0)))
    return f"TITLE: Scripted draft\nBODY:\n{body.strip()}."


SLOW_LATENCY_S = 0.3
"""Seconds ``scripted:slow`` takes per call."""


def build(model_name: str, settings: Settings) -> ChatModel:
    """Factory entry: ``scripted`` / ``scripted:<name>`` with the default answer;
    ``scripted:echo`` answers ``echo_answer`` (drafts that pass the verifier);
    ``scripted:slow`` takes ``SLOW_LATENCY_S`` per call (a run long enough to stop by hand)."""
    model_id = f"scripted:{model_name}" if model_name else "scripted"
    answer = echo_answer if model_name == "echo" else default_answer
    latency_s = SLOW_LATENCY_S if model_name == "slow" else 0.0
    return ChatModel(model_id=model_id, client=ScriptedModel(answer, latency_s=latency_s))


def scripted_resolver(models: Mapping[str, ScriptedModel]) -> ModelResolver:
    """A resolver serving the given scripted models by id; other ids are a ``ConfigError``.

    Example: ``Settings(model_writer="scripted:writer", model_fallbacks="scripted:backup")`` with
    ``scripted_resolver({"scripted:writer": ScriptedModel([...]), "scripted:backup": ...})``.
    """

    def resolve(model_id: str) -> ChatModel:
        if model_id not in models:
            known = ", ".join(sorted(models)) or "none"
            raise ConfigError(f"no scripted model for {model_id!r} (scripted: {known})")
        return ChatModel(model_id=model_id, client=models[model_id])

    return resolve
