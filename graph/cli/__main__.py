"""``python -m graph.cli``: the same entry point as the ``brandloom`` console script."""

from __future__ import annotations

from graph.cli.app import main

raise SystemExit(main())
