"""SEO: a search title and a meta description for a page or product."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from agents.output import SpecialistOutput
from agents.specialist import SpecialistSpec

SEO_TITLE_MAX_CHARS = 60
"""Search engines cut titles longer than this."""
META_DESCRIPTION_MAX_CHARS = 160
"""Search engines cut descriptions longer than this."""


class SeoMetaOutput(SpecialistOutput):
    """The two snippets; the meta description is the asset's text."""

    body_field: ClassVar[str] = "meta_description"
    seo_title: str = Field("", description=f"search title, at most {SEO_TITLE_MAX_CHARS} chars")
    meta_description: str = Field(
        "", description=f"meta description, at most {META_DESCRIPTION_MAX_CHARS} characters"
    )

    def result_parts(self) -> tuple[str, str, dict[str, str]]:
        fields = {"seo_title": self.seo_title, "meta_description": self.meta_description}
        return self.meta_description, self.seo_title, fields


SEO = SpecialistSpec(
    name="seo",
    description="Writes SEO titles and meta descriptions.",
    instructions=(
        "You are an SEO specialist. Write a search title and a meta description that state "
        "what the page offers, lead with the main keyword, and invite the click. Keep the title "
        f"under {SEO_TITLE_MAX_CHARS} characters and the description under "
        f"{META_DESCRIPTION_MAX_CHARS}. No keyword stuffing, no claims the task does not state. "
        "Follow the answer format exactly and write nothing else."
    ),
    asset_kinds=("seo_meta",),
    output_model=SeoMetaOutput,
    model_role="writer",
)
