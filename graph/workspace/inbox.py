"""The approval inbox: "Waiting for me", every gate pending in the user's campaigns.

One row per campaign waiting at a gate: which gate, the brand, how many assets wait, how long it
has waited (since the checkpoint that paused it) and the plan's due date, with a link that opens
the campaign's chat (where the gate is shown again). Only campaigns the user may open are read,
so another user's campaign never appears. Nothing here imports Chainlit.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel

from tools.errors import BrandloomError

if TYPE_CHECKING:
    from graph.workspace.chat import Workspace


class InboxRow(BaseModel):
    chat_id: str
    title: str
    gate: str
    brand: str
    waiting: int
    age_s: float
    due: str


def inbox_command(text: str) -> bool:
    return (text or "").strip().lower() in ("inbox", "waiting for me")


def inbox_rows(workspace: Workspace, user: str, now: float | None = None) -> list[InboxRow]:
    """The user's campaigns waiting at a gate, longest waiting first."""
    workspace.require(user, "read")
    moment = time.time() if now is None else now
    rows: list[InboxRow] = []
    for record in workspace.campaigns.owned_by(user):
        service = workspace.services(record.models)
        try:
            view = service.view(record.thread_id)
            latest = service.history(record.thread_id, limit=1)
        except BrandloomError:  # a campaign that cannot be read is left out, not fatal
            continue
        if view.gate is None:
            continue
        since = _epoch(latest[0].created_at) if latest else moment
        rows.append(
            InboxRow(
                chat_id=record.chat_id,
                title=view.title or record.thread_id,
                gate=view.gate.gate,
                brand=str(view.plan.get("brand", "")),
                waiting=len(view.gate.assets) or 1,
                age_s=max(0.0, moment - since),
                due=str(view.plan.get("due_date") or ""),
            )
        )
    return sorted(rows, key=lambda row: -row.age_s)


def _epoch(stamp: str) -> float:
    try:
        return datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        return time.time()


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86_400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} days"


def inbox_markdown(rows: list[InboxRow]) -> str:
    if not rows:
        return "### Waiting for me\nNothing is waiting for you."
    lines = [
        "### Waiting for me",
        "| campaign | gate | brand | waiting | age | due |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        title = row.title.replace("|", "/").replace("\n", " ")[:60]
        lines.append(
            f"| [{title}](/thread/{row.chat_id}) | {row.gate} | {row.brand} | {row.waiting} | "
            f"{_age(row.age_s)} | {row.due or '—'} |"
        )
    return "\n".join(lines)
