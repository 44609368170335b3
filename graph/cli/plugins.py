"""The CLI's optional parts: the ``memory``, ``classify``, ``users`` and ``assets`` sub-apps.

``brandloom memory ...`` is ``graph.cli.memory:app`` and ``brandloom classify ...`` is
``graph.cli.classify:app``; only the requested sub-app is imported.
"""

from __future__ import annotations

from typing import cast

import typer

from graph.service.composition import load_attribute

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "memory": ("graph.cli.memory", "Brand memory: add files, query, reindex."),
    "classify": ("graph.cli.classify", "Tone and category classifiers: train, predict."),
    "users": ("graph.cli.users", "Workspace users and roles: add, list, remove, reset-password."),
    "assets": ("graph.cli.rollback", "Assets of a campaign: list, history, rollback."),
    "connectors": ("graph.cli.connectors", "Publishing connectors: list, check NAME."),
    "bulk": ("graph.cli.bulk", "Bulk jobs: submit, status, pause, resume, cancel, approve."),
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
