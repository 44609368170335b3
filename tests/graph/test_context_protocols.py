"""The real memory, triage and compliance classes satisfy the graph's context protocols.

The service loads memory and triage dynamically, so only a type check proves the real classes
fit ``graph.context``; this runs mypy (the project's config) on assignments of each.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
from __future__ import annotations

from agents.classifiers.triage import LabelPrediction, Triage, TriageResult
from agents.compliance import ComplianceReport, ComplianceReviewer
from graph.context import (
    BrandMemoryLike, ComplianceLike, ComplianceReportLike, LabelLike, RecalledItem,
    TriageLike, TriageResultLike,
)
from tools.memory.facade import BrandMemory
from tools.memory.items import MemoryItem


def fits(
    triage: Triage, result: TriageResult, label: LabelPrediction, memory: BrandMemory,
    item: MemoryItem, reviewer: ComplianceReviewer, report: ComplianceReport,
) -> None:
    a: TriageLike = triage
    b: TriageResultLike = result
    c: LabelLike = label
    d: BrandMemoryLike = memory
    e: RecalledItem = item
    f: ComplianceLike = reviewer
    g: ComplianceReportLike = report
"""


def test_real_parts_type_check_against_the_context_protocols(tmp_path: Path) -> None:
    probe = tmp_path / "protocol_probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", str(probe)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
