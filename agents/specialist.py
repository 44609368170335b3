"""Specialists built from a spec, each backed by an AutoGen ``AssistantAgent``.

A ``SpecialistSpec`` is data (name, description, instructions, model role, tools, output model,
prompt builder); ``AgentSpecialist`` turns it into a ``Specialist`` (see ``agents/base.py``).
Each ``draft`` call builds a fresh ``AssistantAgent`` over a fresh ``ResilientClient``: agents
keep conversation state, and concurrent drafts must not share it or each other's trace events.
Model clients themselves (and the loaded local model) are shared.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.base import TaskResult
from autogen_agentchat.messages import ModelClientStreamingChunkEvent, TextMessage
from autogen_core.tools import BaseTool

from agents.base import AssetKind, DraftRequest, DraftResult, ModelRole, TokenSink
from agents.output import SpecialistOutput
from agents.prompting import build_user_message
from agents.providers.model import ChatModel, GenerationOptions
from agents.providers.resilience import CallContext, ResilientClient, RetryPolicy
from tools.errors import ProviderError
from tools.events import TraceEvent

PromptBuilder = Callable[[DraftRequest, str], str]
"""Builds the user message of one call from the request and the answer format instructions."""

TOKENS_PER_WORD = 1.6
"""Completion budget per requested word (English copy runs ~1.3 tokens/word, plus labels)."""


@dataclass(frozen=True)
class SpecialistSpec:
    """Everything that makes one specialist different from another."""

    name: str
    """Agent name (a Python identifier): ``copywriter``, ``seo`` ..."""
    description: str
    """One line on what it does (shown in traces and to other agents)."""
    instructions: str
    """The system prompt."""
    asset_kinds: tuple[AssetKind, ...]
    """Kinds it writes; the registry routes these kinds to it."""
    output_model: type[SpecialistOutput]
    """Sections of the answer and how they map onto ``DraftResult``."""
    model_role: ModelRole = "writer"
    """Which configured model (and fallback chain) it uses."""
    tools: tuple[BaseTool[Any, Any], ...] = ()
    """AutoGen tools, offered only to models whose ``model_info`` declares function calling."""
    node: str = "draft"
    """Graph node name written into its trace events."""
    prompt_builder: PromptBuilder = build_user_message


@dataclass(frozen=True)
class Generation:
    """The outcome of one agent run, before it is laid out as a ``DraftResult``."""

    output: SpecialistOutput | None
    """The parsed answer; None when every model in the chain failed."""
    events: list[TraceEvent]
    """One ``model_call`` event per attempt."""
    error: str = ""


class AgentSpecialist:
    """A ``Specialist`` driven by a spec, a model chain and a retry policy."""

    def __init__(
        self,
        spec: SpecialistSpec,
        chain: Sequence[ChatModel],
        policy: RetryPolicy,
        options: GenerationOptions,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.asset_kinds = spec.asset_kinds
        self._chain = list(chain)
        self._policy = policy
        self._options = options

    @property
    def models(self) -> list[ChatModel]:
        """The fallback chain, primary first."""
        return list(self._chain)

    @property
    def model_ids(self) -> list[str]:
        """The ids of the fallback chain, primary first."""
        return [model.model_id for model in self._chain]

    def user_message(self, request: DraftRequest) -> str:
        """The exact user message ``draft`` sends (benchmarks replay it)."""
        return self.spec.prompt_builder(request, self.spec.output_model.format_instructions())

    def max_tokens(self, request: DraftRequest) -> int:
        """Completion budget: enough for the word limit, capped by settings."""
        wanted = int(request.constraints.max_words * TOKENS_PER_WORD) + 64
        return min(self._options.max_tokens, wanted)

    async def draft(self, request: DraftRequest, on_token: TokenSink | None = None) -> DraftResult:
        generation = await self.generate(request, on_token)
        if generation.output is None:
            return DraftResult(
                text="", failed=True, error=generation.error, events=generation.events
            )
        text, title, fields = generation.output.result_parts()
        return DraftResult(text=text, title=title, fields=fields, events=generation.events)

    async def generate(
        self, request: DraftRequest, on_token: TokenSink | None = None
    ) -> Generation:
        """One run of the agent: the parsed output, or the error when every model failed."""
        client = self._client(request)
        try:
            raw = await self._run(self._agent(client), self.user_message(request), on_token)
        except ProviderError as exc:
            return Generation(output=None, events=client.events, error=exc.user_message)
        return Generation(output=self.spec.output_model.parse(raw), events=client.events)

    def _client(self, request: DraftRequest) -> ResilientClient:
        context = CallContext(
            agent=self.name,
            node=self.spec.node,
            thread_id=request.thread_id,
            asset_id=request.asset_id,
            memory_item_ids=tuple(snippet.item_id for snippet in request.memory),
        )
        args = {"max_tokens": self.max_tokens(request), "temperature": self._options.temperature}
        return ResilientClient(self._chain, self._policy, context, create_args=args)

    def _agent(self, client: ResilientClient) -> AssistantAgent:
        tools: list[BaseTool[Any, Any] | Callable[..., Any]] | None = None
        if client.model_info["function_calling"] and self.spec.tools:
            tools = list(self.spec.tools)
        return AssistantAgent(
            name=self.name,
            model_client=client,
            description=self.spec.description,
            system_message=self.spec.instructions,
            tools=tools,
            reflect_on_tool_use=tools is not None,
            model_client_stream=True,
        )

    @staticmethod
    async def _run(agent: AssistantAgent, task: str, on_token: TokenSink | None) -> str:
        """Run the agent once, forwarding streamed chunks; returns its final text."""
        answer = ""
        async for item in agent.run_stream(task=task):
            if isinstance(item, ModelClientStreamingChunkEvent) and on_token is not None:
                delivered = on_token(item.content)
                if inspect.isawaitable(delivered):
                    await delivered
            elif isinstance(item, TaskResult):
                texts = [m.content for m in item.messages if isinstance(m, TextMessage)]
                answer = texts[-1] if len(texts) > 1 else ""
        return answer
