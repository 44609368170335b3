"""Node outputs are typed: mypy rejects a phase outside ``CampaignPhase`` or an unknown key.

Nodes return ``CampaignUpdate`` (a partial ``CampaignState``); this runs mypy (the project's
config) on a good and a bad node so the type, not a convention, keeps phases honest.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD = """
from __future__ import annotations

from graph.state import CampaignUpdate


def node() -> CampaignUpdate:
    return {"phase": "published", "trace": []}
"""
BAD = """
from __future__ import annotations

from graph.state import CampaignUpdate


def invalid_phase() -> CampaignUpdate:
    return {"phase": "publishing"}


def unknown_key() -> CampaignUpdate:
    return {"phases": "published"}
"""


def test_mypy_rejects_an_invalid_phase_and_key(tmp_path: Path) -> None:
    (tmp_path / "good_node.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad_node.py").write_text(BAD, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", str(tmp_path / "good_node.py"),
         str(tmp_path / "bad_node.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert done.returncode == 1, done.stdout + done.stderr
    assert all("bad_node.py" in line for line in errors), errors
    assert any("bad_node.py:8:" in line and "publishing" in line for line in errors), errors
    assert any("bad_node.py:12:" in line and "phases" in line for line in errors), errors
