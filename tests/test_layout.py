"""The project's packages resolve inside the repository, and the layers import only downwards.

``agents``, ``tools`` and ``graph`` are generic names (``openai-agents`` installs a top-level
``agents``); an install that shadows them would run someone else's code.

The layer rules (DESIGN.md "Layout") are read from the source with ``ast``, function-level
imports included, so a lazy ``import`` inside a function cannot sneak past them.
"""

from __future__ import annotations

import ast
import importlib
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "graph.nodes": ("graph.service", "graph.cli", "graph.workspace"),
    "graph.planning": ("graph.service", "graph.cli", "graph.workspace", "langgraph"),
    "graph.service": ("graph.cli", "graph.workspace"),
    "tools": ("agents", "graph"),
    "agents": ("graph",),
}
"""Package -> module prefixes it must never import (nothing imports upward)."""


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def imported_modules(source: str, module: str) -> Iterator[tuple[int, str]]:
    """``(line, module)`` for every import in ``source``, at any depth (relative ones resolved)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".")[: -node.level]
                base = ".".join([*parent, *([base] if base else [])])
            yield node.lineno, base
            for alias in node.names:  # ``from graph import cli`` imports graph.cli
                yield node.lineno, f"{base}.{alias.name}"


def violations(module: str, source: str) -> list[str]:
    """The imports of ``module`` (its source given) that break a layer rule."""
    found = []
    for owner, banned in FORBIDDEN.items():
        if not _under(module, owner):
            continue
        for line, target in imported_modules(source, module):
            hit = next((b for b in banned if _under(target, b)), None)
            if hit is not None:
                found.append(f"{module}:{line} imports {target} ({owner} must not import {hit})")
    return found


def project_modules() -> Iterator[tuple[str, Path]]:
    for package in ("graph", "agents", "tools"):
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


@pytest.mark.parametrize("package", ["agents", "tools", "graph"])
def test_package_resolves_inside_repository(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().parent == REPO / package


def test_pyproject_lists_packages_explicitly() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {"graph*", "agents*", "tools*"} <= set(include)


def test_layers_import_only_downwards() -> None:
    modules = list(project_modules())
    assert len(modules) > 50  # the walk found the packages
    broken = [v for module, path in modules for v in violations(module, path.read_text())]
    assert broken == []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("graph.nodes.intake", "from graph.service.campaigns import CampaignService\n"),
        ("graph.planning.plan", "def f():\n    import langgraph.types\n"),
        ("graph.planning.brief", "from graph import workspace\n"),
        ("graph.service.composition", "def f():\n    from graph.cli.plugins import x\n"),
        ("graph.service.views", "from ..cli import app\n"),
        ("tools.memory.facade", "import agents.base\n"),
        ("agents.registry", "from graph.state import CampaignState\n"),
    ],
)
def test_a_violation_is_reported(module: str, source: str) -> None:
    assert len(violations(module, source)) >= 1


def test_allowed_imports_pass() -> None:
    assert (
        violations("graph.cli.app", "from graph.service.campaigns import CampaignService\n") == []
    )
    assert violations("graph.nodes.intake", "from graph.planning.plan import build_plan\n") == []
    assert violations("graph.service.campaigns", "from graph.nodes.records import emit\n") == []
