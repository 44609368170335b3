"""Visual briefs: image prompts, alt text and a shot list for designers and image models."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from agents.output import SpecialistOutput
from agents.specialist import SpecialistSpec


class VisualBriefOutput(SpecialistOutput):
    """The concept plus the three hand-offs; the text is all of it as markdown."""

    body_field: ClassVar[str] = "concept"
    concept: str = Field("", description="the visual idea in two or three sentences")
    image_prompts: list[str] = Field(default_factory=list, description="an image-model prompt")
    alt_text: str = Field("", description="alt text for the main image, one sentence")
    shot_list: list[str] = Field(default_factory=list, description="a shot to take")

    def result_parts(self) -> tuple[str, str, dict[str, str]]:
        prompts = "\n".join(f"- {prompt}" for prompt in self.image_prompts)
        shots = "\n".join(f"- {shot}" for shot in self.shot_list)
        fields = {"image_prompts": prompts, "alt_text": self.alt_text, "shot_list": shots}
        sections = [self.concept.strip()]
        sections += [f"## {name.replace('_', ' ').title()}\n{v}" for name, v in fields.items() if v]
        return "\n\n".join(s for s in sections if s), "", fields


VISUAL_BRIEF = SpecialistSpec(
    name="visual_brief",
    description="Writes visual briefs: image prompts, alt text and a shot list.",
    instructions=(
        "You are an art director. Turn the campaign into a visual brief: a short concept, "
        "concrete prompts for an image model (subject, setting, light, composition, style), "
        "one accessible alt text sentence describing the main image, and a shot list for a "
        "photographer. Show nothing the brand does not sell. "
        "Follow the answer format exactly and write nothing else."
    ),
    asset_kinds=("visual_brief",),
    output_model=VisualBriefOutput,
    model_role="writer",
)
