"""The review panel's data: what the ``ReviewPanel`` custom element shows, and what it may send.

The browser only renders; everything it shows is computed here on the server (the word-level
diff against the previous version, each check with its reason, the brand-memory items recalled,
the model and cost), and everything it sends back is re-validated here into the same
``AssetChoice`` decisions the buttons and typed commands make, so the panel cannot decide
anything the chat could not. Assets come in pages, so the same panel can later page over a
bulk job's review queue. Nothing here imports Chainlit.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from graph.gates import GatePayload
from graph.service.views import AssetView
from graph.workspace.commands import AssetChoice
from tools.errors import InputError
from tools.events import TraceEvent
from tools.ids import is_id

PANEL_NAME = "ReviewPanel"
"""The custom element (``public/elements/ReviewPanel.jsx``)."""
PANEL_ACTION = "review_panel"
"""The action callback the panel calls (``callAction``)."""
PAGE_SIZE = 25
SHORTCUTS = {"j": "next", "k": "previous", "a": "approve", "r": "reject", "e": "edit"}
_MAX_SNIPPET = 240


class DiffToken(BaseModel):
    """A run of words that is the same in both versions, added, or removed."""

    op: Literal["same", "add", "del"]
    text: str


class RecalledItem(BaseModel):
    """A brand-memory item the writer was given."""

    item_id: str
    source: str
    snippet: str


class CheckRow(BaseModel):
    name: str
    passed: bool
    reason: str


class PanelAsset(BaseModel):
    """One asset as the panel shows it."""

    asset_id: str
    kind: str
    channel: str
    version: int
    title: str
    text: str
    previous_text: str
    diff: list[DiffToken]
    checks: list[CheckRow]
    passed: bool
    """Every check passed, nothing flagged or failed: "approve all that passed" takes it."""
    flagged: bool
    error: str
    memory: list[RecalledItem]
    model: str
    cost_usd: float
    decision: str = ""
    """The decision already made for this version (``approve``, ``edit`` ...), if any."""
    edit_diff: list[DiffToken] = Field(default_factory=list)
    """A reviewer's edit of this version, as a word diff against the draft."""


class PanelProps(BaseModel):
    """The element's props (one page of assets)."""

    gate: str = "review"
    message: str
    assets: list[PanelAsset]
    page: int
    pages: int
    total: int
    passed_waiting: int
    """How many undecided assets on every page passed all checks (the confirmation count)."""
    shortcuts: dict[str, str] = Field(default_factory=lambda: dict(SHORTCUTS))
    closed: str = ""
    """Set once the gate is answered: the panel only shows what was decided."""


MemoryLookup = Callable[[Sequence[str]], list[RecalledItem]]
"""Item ids -> the items still in brand memory (missing ones left out)."""


def word_diff(before: str, after: str) -> list[DiffToken]:
    """Word-level diff of two versions; whitespace stays with the words it follows."""
    old, new = re.findall(r"\S+\s*", before), re.findall(r"\S+\s*", after)
    tokens: list[DiffToken] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            tokens.append(DiffToken(op="same", text="".join(old[i1:i2])))
            continue
        if i2 > i1:
            tokens.append(DiffToken(op="del", text="".join(old[i1:i2])))
        if j2 > j1:
            tokens.append(DiffToken(op="add", text="".join(new[j1:j2])))
    return tokens


def _passed(asset: AssetView) -> bool:
    checks = asset.checks.values()
    return not asset.flagged and not asset.failed and all(c.get("passed") for c in checks)


def _models(trace: Sequence[TraceEvent]) -> dict[str, str]:
    """The model that wrote each asset's latest version (the last draft call)."""
    models: dict[str, str] = {}
    for event in trace:
        drafted = event.kind == "model_call" and event.node in ("draft", "")
        if drafted and event.asset_id and event.model_id:
            models[event.asset_id] = event.model_id
    return models


def panel_asset(
    asset: AssetView, model: str, memory: MemoryLookup, decision: str = "", edited: str = ""
) -> PanelAsset:
    checks = [
        CheckRow(
            name=name,
            passed=bool(result.get("passed")),
            reason=str(result.get("detail") or ("passed" if result.get("passed") else "failed")),
        )
        for name, result in asset.checks.items()
    ]
    return PanelAsset(
        asset_id=asset.asset_id,
        kind=asset.asset_kind,
        channel=asset.channel,
        version=asset.version,
        title=asset.title,
        text=asset.text,
        previous_text=asset.previous_text,
        diff=word_diff(asset.previous_text, asset.text) if asset.previous_text else [],
        checks=checks,
        passed=_passed(asset),
        flagged=asset.flagged,
        error=asset.error,
        memory=memory(asset.memory_item_ids) if asset.memory_item_ids else [],
        model=model,
        cost_usd=round(float(asset.usage.get("cost_usd", 0.0)), 6),
        decision=decision,
        edit_diff=word_diff(asset.text, edited) if edited else [],
    )


def panel_props(
    gate: GatePayload,
    assets: Sequence[AssetView],
    trace: Sequence[TraceEvent],
    decided: Mapping[str, str],
    memory: MemoryLookup,
    page: int = 0,
    page_size: int = PAGE_SIZE,
    edits: Mapping[str, str] | None = None,
) -> PanelProps:
    """One page of the review gate's assets, in the gate's order; ``decided``: asset ->
    action already saved for the version shown; ``edits``: asset -> a saved edit's text."""
    by_id = {asset.asset_id: asset for asset in assets}
    waiting = [by_id[a.asset_id] for a in gate.assets if a.asset_id in by_id]
    pages = max(1, -(-len(waiting) // page_size))
    page = min(max(page, 0), pages - 1)
    models = _models(trace)
    shown = waiting[page * page_size : (page + 1) * page_size]
    return PanelProps(
        message=gate.message,
        assets=[
            panel_asset(
                a,
                models.get(a.asset_id, ""),
                memory,
                decided.get(a.asset_id, ""),
                (edits or {}).get(a.asset_id, ""),
            )
            for a in shown
        ],
        page=page,
        pages=pages,
        total=len(waiting),
        passed_waiting=len(passing_undecided(waiting, decided)),
    )


def passing_undecided(assets: Sequence[AssetView], decided: Mapping[str, str]) -> list[str]:
    return [a.asset_id for a in assets if _passed(a) and a.asset_id not in decided]


class PanelRequest(BaseModel):
    """What the panel sends (``callAction`` payload), validated before anything is decided."""

    action: Literal["approve", "edit", "reject", "respond", "approve_passed", "page"]
    asset_id: str = ""
    text: str = ""
    count: int = 0
    """``approve_passed``: the count the person confirmed."""
    page: int = 0
    version: int = 0
    """The version the panel showed (0: not said); another version pending refuses it."""


def read_request(payload: Mapping[str, object]) -> PanelRequest:
    """The panel's payload as a request; ``InputError`` (one line) when it is malformed."""
    try:
        request = PanelRequest.model_validate(dict(payload))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(f"review panel: {where}: {first['msg']}") from None
    if request.action in ("approve", "edit", "reject", "respond") and not is_id(request.asset_id):
        raise InputError(f"review panel: {request.asset_id!r} is not an asset id")
    if request.action in ("edit", "reject", "respond") and not request.text.strip():
        what = {"edit": "the new text", "reject": "a reason", "respond": "a note"}[request.action]
        raise InputError(f"{request.action} {request.asset_id} needs {what}")
    return request


def choices_for(request: PanelRequest, passing: Sequence[str]) -> list[AssetChoice]:
    """The decisions a panel request makes. ``approve_passed`` approves exactly the assets
    that pass now, and only if that is the number the person confirmed."""
    if request.action == "approve_passed":
        if request.count != len(passing):
            raise InputError(
                f"{len(passing)} assets pass now, not {request.count}: nothing was approved; "
                "look again and confirm"
            )
        if not passing:
            raise InputError("no undecided asset passed every check")
        return [AssetChoice(asset_id=a, action="approve") for a in passing]
    if request.action == "page":
        return []
    return [
        AssetChoice(asset_id=request.asset_id, action=request.action, text=request.text.strip())
    ]


def memory_snippet(item_id: str, source: str, text: str) -> RecalledItem:
    short = text if len(text) <= _MAX_SNIPPET else text[:_MAX_SNIPPET].rstrip() + "…"
    return RecalledItem(item_id=item_id, source=source, snippet=short)
