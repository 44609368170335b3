"""Builds the specialists from settings; the resolver argument is the injection seam.

``build_specialists(settings)`` uses the real providers; tests and benchmarks pass
``resolver=scripted_resolver({...})`` (or any ``ModelResolver``) to use scripted models through
the very same code path. Every model of every chain is resolved here, so a bad id or a missing
key is a ``ConfigError`` at start-up, not in the middle of a campaign. The local model itself
loads lazily, on its first call.
"""

from __future__ import annotations

from agents.base import AssetKind, Specialist
from agents.compliance import COMPLIANCE, ComplianceReviewer
from agents.copywriter import COPYWRITER
from agents.product_copy import PRODUCT_COPY
from agents.providers.factory import model_chain, model_resolver
from agents.providers.model import ChatModel, GenerationOptions, ModelResolver
from agents.providers.resilience import RetryPolicy
from agents.seo import SEO
from agents.specialist import AgentSpecialist, SpecialistSpec
from agents.video_script import VIDEO_SCRIPT
from agents.visual_brief import VISUAL_BRIEF
from tools.settings import Settings

SPECIALIST_SPECS: tuple[SpecialistSpec, ...] = (
    COPYWRITER,
    PRODUCT_COPY,
    SEO,
    VISUAL_BRIEF,
    VIDEO_SCRIPT,
)
"""Every drafting specialist; together they cover every ``AssetKind``."""


def _chain(spec: SpecialistSpec, settings: Settings, resolver: ModelResolver) -> list[ChatModel]:
    return [resolver(model_id) for model_id in model_chain(spec.model_role, settings)]


def _options(settings: Settings) -> GenerationOptions:
    return GenerationOptions(
        max_tokens=settings.model_max_tokens, temperature=settings.model_temperature
    )


def build_specialists(
    settings: Settings,
    resolver: ModelResolver | None = None,
    *,
    policy: RetryPolicy | None = None,
) -> dict[AssetKind, Specialist]:
    """One specialist per asset kind (specialists writing several kinds appear several times)."""
    resolve = resolver or model_resolver(settings)
    retry_policy = policy or RetryPolicy.from_settings(settings)
    specialists: dict[AssetKind, Specialist] = {}
    for spec in SPECIALIST_SPECS:
        specialist = AgentSpecialist(
            spec, _chain(spec, settings, resolve), retry_policy, _options(settings)
        )
        specialists.update(dict.fromkeys(spec.asset_kinds, specialist))
    return specialists


def build_compliance(
    settings: Settings,
    resolver: ModelResolver | None = None,
    *,
    policy: RetryPolicy | None = None,
) -> ComplianceReviewer:
    """The compliance critic (``critic`` role) for the verifier."""
    resolve = resolver or model_resolver(settings)
    retry_policy = policy or RetryPolicy.from_settings(settings)
    chain = _chain(COMPLIANCE, settings, resolve)
    return ComplianceReviewer(COMPLIANCE, chain, retry_policy, _options(settings))
