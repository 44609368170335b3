"""Assembling the workspace: services per model choice, chat-setting options, starters, uploads.

Everything here is plain Python; ``app.py`` turns the options into Chainlit widgets and starters.
Choices coming back from the browser are re-validated here (a client can send anything).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from agents.providers.factory import chat_models
from graph.service.campaigns import CampaignService
from graph.service.composition import open_memory_and_triage
from graph.workspace.chat import Workspace
from graph.workspace.owners import CampaignOwners, workspace_db_path
from graph.workspace.users import UserStore
from tools.errors import InputError
from tools.settings import Settings

REPO = Path(__file__).resolve().parents[2]
ROLES = ("router", "writer", "critic")
"""Model roles a user can choose per campaign in the chat settings."""


@dataclass(frozen=True)
class StarterSpec:
    """A starter button: its label and the brief it sends."""

    label: str
    message: str


def starters() -> list[StarterSpec]:
    """The two starters, read from the sample briefs in ``examples/``."""
    return [
        StarterSpec(
            "Weekly newsletter + 10 posts + video script",
            (REPO / "examples" / "spring_launch.md").read_text(encoding="utf-8"),
        ),
        StarterSpec(
            "Product copy for a small SKU list",
            (REPO / "examples" / "product_launch.md").read_text(encoding="utf-8"),
        ),
    ]


def model_options(settings: Settings) -> dict[str, list[str]]:
    """Per role: the configured model first, then the local model and keyed providers."""
    extra = chat_models(settings)
    options = {}
    for role in ROLES:
        configured = str(getattr(settings, f"model_{role}"))
        options[role] = list(dict.fromkeys([configured, *extra]))
    return options


def default_models(settings: Settings) -> dict[str, str]:
    return {role: str(getattr(settings, f"model_{role}")) for role in ROLES}


def read_choices(
    raw: dict[str, Any] | None, settings: Settings
) -> tuple[dict[str, str], float | None]:
    """Validate chat settings sent by the browser: known model ids, budget within limits.

    The budget is None while the slider sits at the default, so a budget written in the brief
    (``Budget: $0.50``) applies; a moved slider overrides it.
    """
    raw = raw or {}
    options = model_options(settings)
    models = {}
    for role in ROLES:
        chosen = str(raw.get(f"model_{role}") or options[role][0])
        if chosen not in options[role]:
            raise InputError(f"{chosen!r} is not an available {role} model")
        models[role] = chosen
    try:
        budget = float(raw.get("budget_usd", settings.campaign_budget_usd))
    except (TypeError, ValueError):
        raise InputError("the campaign budget must be a number of US dollars") from None
    if not 0 < budget <= settings.ui_campaign_budget_max_usd:
        raise InputError(
            f"the budget must be above 0 and at most {settings.ui_campaign_budget_max_usd} USD"
        )
    return models, None if budget == settings.campaign_budget_usd else budget


def open_workspace(settings: Settings) -> Workspace:
    """The workspace on the configured stores; one cached service per model choice."""
    memory, triage = open_memory_and_triage(settings)

    @cache
    def service_for(router: str, writer: str, critic: str) -> CampaignService:
        chosen = settings.model_copy(
            update={"model_router": router, "model_writer": writer, "model_critic": critic}
        )
        return CampaignService.open(chosen, memory=memory, triage=triage)

    def services(models: dict[str, str]) -> CampaignService:
        return service_for(models["router"], models["writer"], models["critic"])

    return Workspace(
        services,
        UserStore.for_settings(settings),
        CampaignOwners(workspace_db_path(settings)),
        default_models(settings),
        memory=memory,
        max_message_chars=settings.brief_max_chars,
    )
