"""Run every benchmark in turn: ``python -m bench [NAME ...]``.

Each benchmark is a module of this package with its own ``main()``; it prints its table and
writes ``bench/results/<name>.md``. Names default to all of them, in the order below.
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = (
    "graph", "savers", "wire", "memory", "classifiers", "agents", "ui_latency", "content_store",
    "bulk", "local_threads", "connectors",
)  # fmt: skip


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    failed = [n for n in names if subprocess.call([sys.executable, "-m", f"bench.{n}"]) != 0]
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
