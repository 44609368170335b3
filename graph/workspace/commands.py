"""Chat messages -> workspace commands.

Free text in a chat without a campaign is a brief. Once a campaign exists, messages are read as
commands (one per message; the first word decides), so a stray sentence never starts a second
campaign by accident::

    stop | pause                       pause at the next step boundary
    resume | continue                  continue a paused campaign
    status | trace | kpis | history | help    (trace and kpis read the content store)
    rollback ASSET_ID VERSION          new version equal to VERSION (back through review)
    fork CHECKPOINT_ID [note]          new campaign from an earlier checkpoint
    approve ASSET_ID [ASSET_ID ...]    decide at the review gate (``approve all``, ``approve plan``)
    reject ASSET_ID: reason            (``reject plan: reason``)
    respond ASSET_ID: note             (``respond plan: note``)
    edit ASSET_ID                      then the new text on the following lines
    edit plan                          then the deliverables as JSON on the following lines

Anything malformed is an ``InputError`` that says what was expected.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.errors import InputError
from tools.ids import is_id

MAX_MESSAGE_CHARS = 200_000
"""Default cap of a chat message (the workspace passes ``settings.brief_max_chars``)."""

CommandName = Literal[
    "brief",
    "stop",
    "resume",
    "status",
    "trace",
    "kpis",
    "rollback",
    "history",
    "help",
    "fork",
    "decide",
    "edit",
    "edit_plan",
]
DecisionAction = Literal["approve", "reject", "respond", "edit"]

_SIMPLE: dict[str, CommandName] = {
    "stop": "stop",
    "pause": "stop",
    "resume": "resume",
    "continue": "resume",
    "status": "status",
    "trace": "trace",
    "kpis": "kpis",
    "history": "history",
    "help": "help",
}


class AssetChoice(BaseModel):
    """One decision typed or clicked for one asset (or for the plan: ``asset_id="plan"``)."""

    asset_id: str
    action: DecisionAction
    text: str = ""
    """New text (edit), reason (reject) or note (respond)."""


class Command(BaseModel):
    """A parsed chat message."""

    name: CommandName
    text: str = ""
    """Brief text, edit text, fork note or plan JSON."""
    asset_id: str = ""
    checkpoint_id: str = ""
    version: int = 0
    """The version to restore (``rollback``)."""
    choices: list[AssetChoice] = Field(default_factory=list)
    deliverables: list[dict[str, Any]] = Field(default_factory=list)


def parse_message(raw: str, *, has_campaign: bool, max_chars: int = MAX_MESSAGE_CHARS) -> Command:
    """Read one chat message; ``InputError`` for empty, huge or malformed input."""
    text = (raw or "").strip()
    if not text:
        raise InputError("the message is empty: write a brief, or `help` for commands")
    if len(text) > max_chars:
        raise InputError(f"the message is too long ({len(text)} characters, max {max_chars})")
    head, _, rest = text.partition("\n")
    words = head.split()
    verb = words[0].lower()
    if not has_campaign:
        is_help = verb == "help" and len(words) == 1 and not rest.strip()
        return Command(name="help") if is_help else Command(name="brief", text=text)
    if verb in _SIMPLE and len(words) == 1 and not rest.strip():
        return Command(name=_SIMPLE[verb])
    if verb == "kpis" and [w.lower() for w in words] == ["kpis", "this"] and not rest.strip():
        return Command(name="kpis")  # plain ``kpis [BRAND]`` is the cockpit's charts
    if verb == "fork":
        return _fork(words, rest)
    if verb == "edit":
        return _edit(words, rest)
    if verb == "rollback":
        return _rollback(words, rest)
    if verb in ("approve", "reject", "respond"):
        return Command(name="decide", choices=_decisions(verb, head[len(words[0]) :], rest))
    raise InputError(
        "this campaign is already running; commands: approve, reject, respond, edit, stop, "
        "resume, status, trace, kpis, history, fork, rollback (type `help`). "
        "Start a new chat for a new brief."
    )


def _fork(words: list[str], rest: str) -> Command:
    if len(words) < 2:
        raise InputError("usage: fork CHECKPOINT_ID [note], e.g. `fork 1f0a... more playful tone`")
    note = " ".join(words[2:]) + ("\n" + rest if rest.strip() else "")
    return Command(name="fork", checkpoint_id=words[1], text=note.strip())


def _rollback(words: list[str], rest: str) -> Command:
    """``rollback ASSET_ID VERSION`` (``v2`` or ``2``)."""
    usage = "usage: rollback ASSET_ID VERSION, e.g. `rollback newsletter 1`"
    if len(words) != 3 or rest.strip():
        raise InputError(usage)
    _check_asset_id(words[1])
    number = words[2].lower().removeprefix("v")
    if not number.isdigit() or int(number) < 1:
        raise InputError(f"{words[2]!r} is not a version number; {usage}")
    return Command(name="rollback", asset_id=words[1], version=int(number))


def _edit(words: list[str], rest: str) -> Command:
    if len(words) != 2:
        raise InputError(
            "usage: `edit ASSET_ID` or `edit plan`, then the new content on the next lines"
        )
    target = words[1]
    if target.lower() == "plan":
        return Command(name="edit_plan", deliverables=plan_json(rest))
    _check_asset_id(target)
    if not rest.strip():
        raise InputError(f"edit {target}: put the new text on the lines after `edit {target}`")
    return Command(name="edit", asset_id=target, text=rest.strip())


def plan_json(body: str) -> list[dict[str, Any]]:
    try:
        parsed = json.loads(body)
    except json.JSONDecodeError as error:
        raise InputError(f"edit plan: the deliverables are not valid JSON ({error})") from None
    if isinstance(parsed, dict):
        parsed = parsed.get("deliverables")
    if not isinstance(parsed, list) or not parsed or not all(isinstance(d, dict) for d in parsed):
        raise InputError("edit plan: send a non-empty JSON list of deliverables")
    return parsed


def plan_limits(body: str) -> dict[str, Any]:
    """``budget_usd`` / ``due_date`` when an edited plan is sent as a JSON object carrying them
    (the plan editor does; a bare list of deliverables changes neither)."""
    try:
        parsed = json.loads(body)
    except json.JSONDecodeError:
        return {}
    if not isinstance(parsed, dict):
        return {}
    return {key: parsed[key] for key in ("budget_usd", "due_date") if parsed.get(key) is not None}


def _decisions(verb: str, head_rest: str, body: str) -> list[AssetChoice]:
    """``approve a b c`` / ``reject a: reason`` / ``respond plan: note``."""
    targets, colon, reason = head_rest.partition(":")
    note = (reason + ("\n" + body if body.strip() else "")).strip()
    ids = targets.replace(",", " ").split()
    if not ids:
        raise InputError(f"usage: {verb} ASSET_ID{' ...' if verb == 'approve' else ': reason'}")
    if verb != "approve" and (not colon or not note):
        what = "a reason" if verb == "reject" else "a note"
        raise InputError(f"{verb} needs {what}: `{verb} {ids[0]}: ...`")
    for asset_id in ids:
        _check_asset_id(asset_id)
    return [AssetChoice(asset_id=a, action=verb, text=note) for a in ids]  # type: ignore[arg-type]


def _check_asset_id(asset_id: str) -> None:
    if not is_id(asset_id):
        raise InputError(f"{asset_id!r} is not an asset id (letters, digits, '.', '_', '-')")


def kpi_command(text: str) -> str | None:
    """``kpis`` -> "" (every brand), ``kpis Loomwell`` -> that brand, anything else -> None.

    ``kpis this`` is the chat's own campaign (the ``kpis`` command of the command table).
    """
    words = (text or "").strip().split(maxsplit=1)
    if not words or words[0].lower() not in ("kpis", "kpi"):
        return None
    if len(words) > 1 and words[1].strip().lower() == "this":
        return None
    return words[1].strip() if len(words) > 1 else ""
