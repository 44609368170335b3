"""All of ``brandloom``: the Typer app lives in ``graph.cli.app``.

``main`` is imported lazily so ``import graph.cli.exit_codes`` does not load the whole CLI;
the console script ``brandloom = "graph.cli:main"`` and ``python -m graph.cli`` both land here.
"""

from __future__ import annotations


def main() -> int:
    """Run ``brandloom`` (the console script's entry point)."""
    from graph.cli.app import main as run

    return run()
