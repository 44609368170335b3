"""The CLI's optional parts: the ``memory``, ``classify``, ``users`` and ``assets`` sub-apps.

``brandloom memory ...`` is ``tools.memory.cli:app`` and ``brandloom classify ...`` is
``agents.classifiers.cli:app``; only the requested sub-app is imported.
"""

from __future__ import annotations

import importlib
from typing import Any, cast

import typer

from tools.errors import ConfigError

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "memory": ("tools.memory.cli", "Brand memory: add files, query, reindex."),
    "classify": ("agents.classifiers.cli", "Tone and category classifiers: train, predict."),
    "users": ("tools.users_cli", "Workspace users and roles: add, list, remove, reset-password."),
    "assets": ("graph.cli_store", "Assets of a campaign from the content store: list, history."),
    "bulk": ("graph.cli_bulk", "Bulk jobs: submit, status, pause, resume, cancel, approve."),
}


def mount_subcommands(app: typer.Typer, argv: list[str]) -> None:
    """Mount the sub-app ``argv`` asks for; list the others by name only.

    Sub-apps import heavy packages (torch, transformers), so only the one being run is
    imported; ``brandloom --help`` still lists every sub-command.
    """
    requested = argv[0] if argv else ""
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        if name == requested:
            sub_app = load_attribute(module_name, "app", "")
            app.add_typer(cast(typer.Typer, sub_app), name=name, help=help_text)
        else:
            app.command(name, help=help_text, add_help_option=False)(_listed_only)


def _listed_only() -> None:
    """Never runs: a listed sub-command is mounted for real when it is the one requested."""


def load_attribute(module_name: str, attribute: str, switch: str) -> Any:
    """``module.attribute``, or a ConfigError naming the setting that switches it off."""
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError):
        fix = f": set {switch}=false" if switch else " yet"
        raise ConfigError(
            f"{module_name}.{attribute} is not available in this build{fix}"
        ) from None
