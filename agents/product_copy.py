"""Product copy: descriptions for shop pages, one product (and A/B variant) at a time."""

from __future__ import annotations

from pydantic import Field

from agents.output import SpecialistOutput
from agents.specialist import SpecialistSpec


class ProductCopyOutput(SpecialistOutput):
    """A product title, the description and its key features."""

    title: str = Field("", description="product title for the shop page")
    body: str = Field("", description="the product description in markdown")
    key_features: list[str] = Field(default_factory=list, description="a key feature")

    def result_parts(self) -> tuple[str, str, dict[str, str]]:
        features = "\n".join(f"- {feature}" for feature in self.key_features)
        return self.body, self.title, {"key_features": features}


PRODUCT_COPY = SpecialistSpec(
    name="product_copy",
    description="Writes product descriptions from product fields, with key features.",
    instructions=(
        "You write product descriptions for an online shop. Use only the product facts given "
        "in the task; never invent specifications, materials, certifications or prices. Lead "
        "with the main benefit, then the details. Respect the length window, include required "
        "terms and avoid banned ones. Follow the answer format exactly and write nothing else."
    ),
    asset_kinds=("product_description",),
    output_model=ProductCopyOutput,
    model_role="writer",
)
