"""The copywriter: newsletters, social posts, emails, blog articles and ad copy."""

from __future__ import annotations

from pydantic import Field

from agents.output import SpecialistOutput
from agents.specialist import SpecialistSpec
from agents.writing_tools import COUNT_WORDS


class CopyOutput(SpecialistOutput):
    """A headline (or subject line) and the copy itself."""

    title: str = Field("", description="headline or email subject line")
    body: str = Field("", description="the full copy in markdown")


COPYWRITER = SpecialistSpec(
    name="copywriter",
    description="Writes campaign copy: newsletters, social posts, emails, blog articles, ads.",
    instructions=(
        "You are a senior brand copywriter. Write clear, concrete copy in the brand's voice for "
        "the channel named in the task. Respect the length window, include every required term "
        "and never use a banned term. Do not invent prices, discounts, awards or guarantees "
        "that the task does not state. Use no placeholder text such as [link] or TBD. "
        "If a count_words tool is offered, use it to check the length before answering. "
        "Follow the answer format exactly and write nothing else."
    ),
    asset_kinds=("newsletter", "social_post", "email", "blog_article", "ad_copy"),
    output_model=CopyOutput,
    model_role="writer",
    tools=(COUNT_WORDS,),
)
