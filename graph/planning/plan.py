"""The planner: a deterministic function from a brief to a deliverables matrix.

No model is involved: the same brief always gives the same plan, which is what the plan gate
shows and what a human edits. Each deliverable is one asset (one specialist task); the matrix
view groups them as channel x asset kind x variant count.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from pydantic import BaseModel, Field, field_validator, model_validator

from agents.base import AssetKind, Constraints
from graph.planning.brief import Brief, DeliverableRequest
from tools.asset_kinds import ASSET_KINDS
from tools.errors import InputError
from tools.ids import is_id

LENGTH_WINDOWS: dict[str, tuple[int, int]] = {k: spec.words for k, spec in ASSET_KINDS.items()}
"""Default (min, max) words per asset kind (from ``tools.asset_kinds.ASSET_KINDS``)."""

MAX_DELIVERABLES = 10_000
"""Default most deliverables one plan may hold (the ``plan_max_deliverables`` setting)."""
PRODUCT_KINDS: tuple[AssetKind, ...] = tuple(
    k for k, spec in ASSET_KINDS.items() if spec.per_product
)
"""Kinds written once per product (and variant) when the brief lists products."""


class Deliverable(BaseModel):
    """One row of the plan: one asset to write."""

    asset_id: str
    asset_kind: AssetKind
    channel: str
    variant: int = Field(default=1, ge=1, le=5)
    product: dict[str, str] = Field(default_factory=dict)
    constraints: Constraints = Field(default_factory=Constraints)
    publish_at: datetime | None = None
    """When a live channel should publish this asset (ISO time, UTC if no zone); None: at
    once. Set by editing the plan; connectors that can schedule do (tools/connectors)."""

    @field_validator("asset_id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        if not is_id(value):
            raise ValueError("asset ids use letters, digits, '.', '_' and '-' (max 128)")
        return value


class Plan(BaseModel):
    """The deliverables matrix plus campaign-wide limits."""

    brand: str
    goal: str
    deliverables: list[Deliverable]
    budget_usd: float = Field(ge=0)
    due_date: date | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> Plan:
        ids = [d.asset_id for d in self.deliverables]
        if len(ids) != len(set(ids)):
            raise ValueError("asset ids in the plan must be unique")
        if len(ids) > MAX_DELIVERABLES:
            raise ValueError(too_many_deliverables(len(ids), MAX_DELIVERABLES))
        return self

    def matrix(self) -> list[tuple[str, str, int, int]]:
        """(channel, asset kind, assets, variants) rows, in plan order."""
        rows: dict[tuple[str, str], list[int]] = {}
        for item in self.deliverables:
            row = rows.setdefault((item.channel, item.asset_kind), [0, 0])
            row[0] += 1 if item.variant == 1 else 0
            row[1] = max(row[1], item.variant)
        return [(ch, kind, counts[0], counts[1]) for (ch, kind), counts in rows.items()]


NOTHING_TO_MAKE = "the brief names no deliverables: ask for e.g. 'a newsletter and 5 social posts'"


def too_many_deliverables(size: int, limit: int) -> str:
    """The message for a plan over the size limit."""
    return (
        f"the brief asks for {size:,} deliverables, a plan holds at most {limit:,}: "
        "split it into several campaigns"
    )


def _slug(value: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", value).strip("-").lower()
    return slug[:48] or "item"


def _constraints(brief: Brief, request: DeliverableRequest) -> Constraints:
    low, high = LENGTH_WINDOWS[request.asset_kind]
    if request.max_words:
        high = request.max_words
        low = min(low, max(1, high // 3))
    required = (
        brief.required_terms[:1] if request.asset_kind == "seo_meta" else brief.required_terms
    )
    return Constraints(
        min_words=low,
        max_words=high,
        tone=brief.tone,
        required_terms=list(required),
        banned_terms=list(brief.banned_terms),
    )


def rows_of(brief: Brief, request: DeliverableRequest) -> int:
    """How many deliverables ``request`` becomes, without building them (size checks)."""
    if request.asset_kind in PRODUCT_KINDS and brief.products:
        return len(brief.products) * request.variants
    return request.count * request.variants


def plan_size(brief: Brief) -> int:
    """How many deliverables ``build_plan`` makes of ``brief``."""
    return sum(rows_of(brief, request) for request in brief.requests)


def product_slug(product: dict[str, str]) -> str:
    """The part of a product's asset ids that names the product."""
    return _slug(product.get("sku") or product.get("name", ""))


def _rows(brief: Brief, request: DeliverableRequest) -> list[Deliverable]:
    channel = request.channel or request.asset_kind
    constraints = _constraints(brief, request)
    if request.asset_kind in PRODUCT_KINDS and brief.products:
        return [
            Deliverable(
                asset_id=_product_asset_id(request, product, variant),
                asset_kind=request.asset_kind,
                channel=channel,
                variant=variant,
                product=product,
                constraints=constraints,
            )
            for product in brief.products
            for variant in range(1, request.variants + 1)
        ]
    width = 2 if request.count * request.variants > 1 else 0
    return [
        Deliverable(
            asset_id=f"{request.asset_kind}-{index:0{width}d}" if width else request.asset_kind,
            asset_kind=request.asset_kind,
            channel=channel,
            variant=variant,
            constraints=constraints,
        )
        for index, variant in _numbered(request.count, request.variants)
    ]


def _product_asset_id(request: DeliverableRequest, product: dict[str, str], variant: int) -> str:
    suffix = f"-{chr(96 + variant)}" if request.variants > 1 else ""
    return f"{request.asset_kind}-{product_slug(product)}{suffix}"


def _numbered(count: int, variants: int) -> list[tuple[int, int]]:
    return [(n * variants + v, v) for n in range(count) for v in range(1, variants + 1)]


def build_plan(
    brief: Brief, *, default_budget_usd: float, max_deliverables: int = MAX_DELIVERABLES
) -> Plan:
    """The deliverables matrix for a brief; ``InputError`` when it asks for nothing or for
    more than ``max_deliverables`` (checked before any row is built, so never a traceback)."""
    if not brief.requests:
        raise InputError(NOTHING_TO_MAKE)
    size = plan_size(brief)
    if size > max_deliverables:
        raise InputError(too_many_deliverables(size, max_deliverables))
    deliverables = [row for request in brief.requests for row in _rows(brief, request)]
    budget = brief.budget_usd if brief.budget_usd is not None else default_budget_usd
    return Plan(
        brand=brief.brand,
        goal=brief.goal,
        deliverables=deliverables,
        budget_usd=budget,
        due_date=brief.due_date,
    )
