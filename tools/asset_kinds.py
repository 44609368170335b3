"""Asset kinds, tones and the constraints a draft must satisfy: vocabulary every layer shares.

The deterministic checks (``tools.checks``), the specialists (``agents``) and the planner
(``graph.planning``) all speak it, so it lives at the bottom layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

AssetKind = Literal[
    "newsletter",
    "social_post",
    "email",
    "blog_article",
    "ad_copy",
    "video_script",
    "visual_brief",
    "product_description",
    "seo_meta",
]
"""Every kind of asset a deliverable can produce."""

Tone = Literal["formal", "friendly", "playful", "urgent", "inspirational", "informative"]
"""Tones the brief can ask for and the tone classifier predicts."""


class Constraints(BaseModel):
    """What a draft must satisfy; the verifier checks the same fields."""

    min_words: int = 0
    """Lower bound of the length window, in words."""
    max_words: int = 400
    """Upper bound of the length window, in words."""
    tone: Tone | None = None
    """Requested tone (None: no tone check)."""
    required_terms: list[str] = Field(default_factory=list)
    """Terms the draft must contain (case-insensitive)."""
    banned_terms: list[str] = Field(default_factory=list)
    """Terms the draft must not contain (case-insensitive)."""


@dataclass(frozen=True)
class AssetKindSpec:
    """Everything the planner, the brief parser and triage need to know about one asset kind."""

    words: tuple[int, int]
    """The default (min, max) length window in words."""
    channel: str
    """The channel a brief's request for this kind gets (social posts refine it by platform)."""
    brief_pattern: str
    """The phrase (a regex on the lower-cased brief) that asks for this kind."""
    triage_label: str | None = None
    """The triage category whose brief gets this kind by default (None: never by default)."""
    per_product: bool = False
    """Written once per product (and variant) when the brief lists products."""


_EMAIL = r"(?:marketing|promo(?:tional)?|welcome|launch|announcement)\s+emails?\b"

ASSET_KINDS: dict[AssetKind, AssetKindSpec] = {
    "newsletter": AssetKindSpec((80, 350), "email", r"newsletters?\b", "newsletter"),
    "social_post": AssetKindSpec(
        (8, 60), "social", r"(?:social(?:\s+media)?\s+)?posts?\b", "social_post"
    ),
    "video_script": AssetKindSpec(
        (50, 180), "video", r"video\s+scripts?|\bvideo\b", "video_script"
    ),
    "email": AssetKindSpec((60, 300), "email", _EMAIL, "email"),
    "blog_article": AssetKindSpec(
        (250, 900), "blog", r"blog\s+(?:articles?|posts?)", "blog_article"
    ),
    "ad_copy": AssetKindSpec((8, 50), "ads", r"ad(?:vert)?s?\s+cop(?:y|ies)|\bads?\b", "ad_copy"),
    "visual_brief": AssetKindSpec((20, 200), "design", r"(?:visual\s+briefs?|image\s+prompts?)"),
    "product_description": AssetKindSpec(
        (30, 160), "shop", r"product\s+(?:descriptions?|copy)", "product_description", True
    ),
    "seo_meta": AssetKindSpec((5, 45), "shop", r"\bseo\b", per_product=True),
}
"""The one table of asset kinds, in the order a brief's requests are listed: a new kind is
one ``AssetKind`` value, one line here and one specialist file."""
