"""The project's packages resolve inside the repository, not to same-named PyPI packages.

``agents``, ``tools`` and ``graph`` are generic names (``openai-agents`` installs a top-level
``agents``); an install that shadows them would run someone else's code.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("package", ["agents", "tools", "graph"])
def test_package_resolves_inside_repository(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().parent == REPO / package


def test_pyproject_lists_packages_explicitly() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {"graph*", "agents*", "tools*"} <= set(include)
