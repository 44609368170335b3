"""One validation pass for a brief and its product list, before anything is saved or enqueued.

``checked_brief`` parses a brief (or takes a ``Brief`` built by an API caller), applies a
budget override and checks every limit a campaign must respect: counts and variants per
request, the budget (finite, not negative, at most ``budget_max_usd``), the product list
(unique asset ids), something to make, and the plan size with the same limit whatever the
triage setting. Every problem found is reported at once, with the brief line it came from
(``BriefInvalid``); nothing is saved, enqueued or published for a brief that has one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from graph.planning.brief import (
    MAX_BRIEF_CHARS,
    MAX_VARIANTS,
    Brief,
    Problems,
    read_brief,
)
from graph.planning.plan import (
    MAX_DELIVERABLES,
    NOTHING_TO_MAKE,
    PRODUCT_KINDS,
    plan_size,
    product_slug,
    too_many_deliverables,
)
from tools.errors import InputError
from tools.settings import Settings


@dataclass(frozen=True)
class BriefLimits:
    """The limits a brief is checked against (from settings, or the defaults)."""

    max_chars: int = MAX_BRIEF_CHARS
    max_count: int = 100
    """Most assets one request (one brief line) may ask for."""
    max_budget_usd: float = 1000.0
    max_deliverables: int = MAX_DELIVERABLES

    @classmethod
    def from_settings(cls, settings: Settings) -> BriefLimits:
        return cls(
            max_chars=settings.brief_max_chars,
            max_count=settings.brief_max_count,
            max_budget_usd=settings.budget_max_usd,
            max_deliverables=settings.plan_max_deliverables,
        )


def budget_problem(amount: object, limits: BriefLimits) -> str:
    """Why ``amount`` cannot be a campaign budget ('' when it can)."""
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        return "the budget must be an amount in USD"
    if not math.isfinite(amount) or amount < 0:
        return f"the budget must be an amount of at least $0, not {amount!r}"
    if amount > limits.max_budget_usd:
        return (
            f"the budget ${amount:,.2f} is above the limit of ${limits.max_budget_usd:,.2f} "
            "(BRANDLOOM_BUDGET_MAX_USD)"
        )
    return ""


def checked_budget(amount: object, limits: BriefLimits) -> float:
    """``amount`` as a budget in USD, or ``InputError`` saying why it cannot be one."""
    problem = budget_problem(amount, limits)
    if problem:
        raise InputError(problem)
    return float(amount)  # type: ignore[arg-type]


def _request_problems(brief: Brief, limits: BriefLimits, problems: Problems) -> None:
    for request in brief.requests:
        kind = request.asset_kind.replace("_", " ")
        if request.count > limits.max_count:
            problems.add(
                request.line,
                f"{request.count:,} {kind}s asked for, at most {limits.max_count} per line "
                "(BRANDLOOM_BRIEF_MAX_COUNT)",
            )
        if request.variants > MAX_VARIANTS:
            problems.add(
                request.line, f"{request.variants} A/B variants asked for, at most {MAX_VARIANTS}"
            )
        if request.asset_kind in PRODUCT_KINDS and not brief.products:
            problems.add(
                request.line,
                f"{kind}s need products: add a CSV block, a '## Products' list or --products-file",
            )


def _product_problems(brief: Brief, problems: Problems) -> None:
    seen: dict[str, str] = {}
    for product in brief.products:
        name = product.get("sku") or product.get("name", "")
        slug = product_slug(product)
        if slug in seen:
            problems.add(
                0, f"products {seen[slug]!r} and {name!r} would share the asset id {slug!r}"
            )
        seen.setdefault(slug, name)


def brief_problems(brief: Brief, limits: BriefLimits) -> Problems:
    """Every limit ``brief`` breaks (an empty ``Problems`` when it can run)."""
    problems = Problems()
    if not brief.requests:
        problems.add(0, NOTHING_TO_MAKE)
    _request_problems(brief, limits, problems)
    _product_problems(brief, problems)
    if brief.budget_usd is not None:
        problem = budget_problem(brief.budget_usd, limits)
        if problem:
            problems.add(0, problem)
    size = plan_size(brief)
    if size > limits.max_deliverables:
        problems.add(0, too_many_deliverables(size, limits.max_deliverables))
    return problems


def checked_brief(
    brief: str | Brief, limits: BriefLimits, budget_usd: float | None = None
) -> Brief:
    """The validated brief, or ``InputError`` (``BriefInvalid`` lists every problem)."""
    if isinstance(brief, Brief):
        parsed, problems = brief, Problems()
    else:
        parsed, problems = read_brief(brief, max_chars=limits.max_chars)
    override = budget_problem(budget_usd, limits) if budget_usd is not None else ""
    if override:
        problems.add(0, override)
    elif budget_usd is not None:
        parsed = parsed.model_copy(update={"budget_usd": float(budget_usd)})
    problems.found.extend(brief_problems(parsed, limits).found)
    problems.raise_if_any()
    return parsed
