"""The contract between the graph and the specialist agents.

The graph depends only on this module: a ``Specialist`` turns a ``DraftRequest`` into a
``DraftResult``. How a specialist talks to a model (AutoGen AssistantAgent, a provider from the
factory, retries and fallbacks) stays inside ``agents/``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from tools.asset_kinds import AssetKind as AssetKind  # re-exported: the contract names them
from tools.asset_kinds import Constraints as Constraints
from tools.asset_kinds import Tone as Tone
from tools.events import TraceEvent

ModelRole = Literal["router", "writer", "critic", "classify", "embed"]
"""Roles agents ask for; settings map each role to a ``provider:model`` id."""


class MemorySnippet(BaseModel):
    """One brand-memory item handed to a specialist as delimited data, never as instructions."""

    item_id: str
    kind: str
    """``style_rule``, ``fact``, ``past_asset`` or ``reviewer_preference``."""
    text: str


class DraftRequest(BaseModel):
    """Everything a specialist needs to write (or revise) one asset."""

    thread_id: str
    """The campaign."""
    asset_id: str
    """Stable id of the asset within the campaign (e.g. ``social_post-03``)."""
    version: int
    """Version being written (1 for the first draft, +1 per revision or regeneration)."""
    asset_kind: AssetKind
    channel: str
    """Where it will be published (``email``, ``instagram``, ``shop`` ...)."""
    campaign_goal: str
    """The brief's goal in one or two sentences."""
    brand: str
    """Brand name; also the brand-memory namespace."""
    audience: str = ""
    product: dict[str, str] = Field(default_factory=dict)
    """Product fields (sku, name, features ...) for product copy; empty otherwise."""
    variant: int = 1
    """A/B variant number, starting at 1."""
    constraints: Constraints = Field(default_factory=Constraints)
    previous_text: str = ""
    """The draft being revised, if any."""
    feedback: list[str] = Field(default_factory=list)
    """Failed checks, reviewer reasons and notes to address in this version."""
    memory: list[MemorySnippet] = Field(default_factory=list)
    """Recalled brand memory for this task."""


class DraftResult(BaseModel):
    """A specialist's output for one asset version."""

    text: str
    """The asset body (markdown)."""
    title: str = ""
    """Title, subject line or SEO title when the kind has one."""
    fields: dict[str, str] = Field(default_factory=dict)
    """Kind-specific structured parts (``meta_description``, ``alt_text``, ``shot_list`` ...)."""
    events: list[TraceEvent] = Field(default_factory=list)
    """One ``model_call`` event per model call (incl. failed attempts and fallbacks)."""
    failed: bool = False
    """True when every model in the fallback chain failed: the asset goes to human review."""
    error: str = ""
    """Why it failed (safe to show; no secrets)."""


TokenSink = Callable[[str], Awaitable[None] | None]
"""Receives generated text chunks as they stream (the UI shows them live)."""


class Specialist(Protocol):
    """A specialist agent: one per file in ``agents/``, listed in the registry."""

    name: str
    """``copywriter``, ``seo``, ``visual_brief``, ``video_script`` ..."""
    asset_kinds: tuple[AssetKind, ...]
    """The asset kinds this specialist writes."""

    async def draft(self, request: DraftRequest, on_token: TokenSink | None = None) -> DraftResult:
        """Write or revise one asset. Never raises for provider failures: returns failed=True."""
        ...
