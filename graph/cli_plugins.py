"""The CLI's optional parts: the ``memory`` and ``classify`` sub-apps, brand memory, triage.

``brandloom memory ...`` is ``tools.memory.cli:app`` and ``brandloom classify ...`` is
``agents.classifiers.cli:app``. Brand memory and the triage classifiers join every campaign the
CLI runs unless the ``campaign_memory`` / ``campaign_triage`` settings switch them off.
"""

from __future__ import annotations

import importlib
from typing import Any, cast

import typer

from graph.context import BrandMemoryLike, TriageLike
from tools.errors import ConfigError
from tools.settings import Settings

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "memory": ("tools.memory.cli", "Brand memory: add files, query, reindex."),
    "classify": ("agents.classifiers.cli", "Tone and category classifiers: train, predict."),
    "users": ("tools.users_cli", "Workspace users and roles: add, list, remove."),
}


def mount_subcommands(app: typer.Typer, argv: list[str]) -> None:
    """Mount the sub-app ``argv`` asks for; list the others by name only.

    Sub-apps import heavy packages (torch, transformers), so only the one being run is
    imported; ``brandloom --help`` still lists every sub-command.
    """
    requested = argv[0] if argv else ""
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        if name == requested:
            sub_app = _load(module_name, "app", "")
            app.add_typer(cast(typer.Typer, sub_app), name=name, help=help_text)
        else:
            app.command(name, help=help_text, add_help_option=False)(_listed_only)


def _listed_only() -> None:
    """Never runs: a listed sub-command is mounted for real when it is the one requested."""


def open_memory_and_triage(settings: Settings) -> tuple[BrandMemoryLike | None, TriageLike | None]:
    """Brand memory and triage for a campaign, as the ``campaign_*`` settings ask.

    A switched-on part that cannot load (no trained classifier, unreadable index) is a
    ``ConfigError`` saying how to fix it, not a silent downgrade.
    """
    memory: BrandMemoryLike | None = None
    triage: TriageLike | None = None
    if settings.campaign_memory:
        memory = _load("tools.memory", "open_memory", "BRANDLOOM_CAMPAIGN_MEMORY")(settings)
    if settings.campaign_triage:
        triage = _load("agents.classifiers", "load_triage", "BRANDLOOM_CAMPAIGN_TRIAGE")(settings)
    return memory, triage


def _load(module_name: str, attribute: str, switch: str) -> Any:
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError):
        fix = f": set {switch}=false" if switch else " yet"
        raise ConfigError(
            f"{module_name}.{attribute} is not available in this build{fix}"
        ) from None
