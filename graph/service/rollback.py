"""Rolling an asset back to an earlier version, as content platforms do.

A rollback never rewrites history: it appends a new version whose text is a copy of version
N, and that copy starts at review. If the asset was published, the campaign's publish
approval is withdrawn, so the copy goes through the review gate, then the publish gate (an
approver) and the connector again: a new receipt, the old one kept in the content store.
``rollback_update`` is the pure state update; ``CampaignService.rollback`` applies it under
the thread's lease and records a ``RollbackRecord`` that ``graph.service.store_record``
turns into the store's ``rolled_back`` event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph.planning.assets import with_human_version
from graph.state import AssetRecord, RollbackRecord
from tools.errors import InputError, NotFoundError

CLOSED_PHASES = ("cancelled", "failed")
"""Phases a campaign never leaves: a rollback there would never reach review (fork instead)."""


def checked_version(version: object) -> int:
    """``version`` if it is a whole number >= 1, else InputError."""
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InputError(f"invalid version {str(version)[:20]!r}: use a number >= 1")
    return version


def rollback_update(
    values: Mapping[str, Any],
    asset_id: str,
    to_version: object,
    user: str,
    now: float,
    reason: str = "",
) -> dict[str, Any]:
    """The state update making a new version of ``asset_id`` equal to ``to_version``.

    Refused (``NotFoundError`` / ``InputError``, nothing changed) for an unknown asset, a
    version that does not exist, the current version, or a closed campaign.
    """
    thread_id = str(values.get("thread_id", ""))
    asset: AssetRecord | None = values.get("assets", {}).get(asset_id)
    if asset is None:
        raise NotFoundError(f"no asset {asset_id!r} in campaign {thread_id}")
    target = checked_version(to_version)
    newest = asset["version"]
    if newest < 1:
        raise InputError(f"asset {asset_id} has no version yet")
    if target > newest:
        raise InputError(f"asset {asset_id} has versions 1 to {newest}: there is no v{target}")
    if target == newest:
        raise InputError(f"v{target} is already the current version of {asset_id}")
    phase = str(values.get("phase", ""))
    if phase in CLOSED_PHASES:
        raise InputError(f"campaign {thread_id} is {phase}: fork it to change it")
    source = next(v for v in asset["versions"] if v["version"] == target)
    copy, _ = with_human_version(asset, source["text"], user, now, title=source["title"])
    copy["versions"][-1] = {**copy["versions"][-1], "fields": dict(source["fields"])}
    copy["status"], copy["revisions"], copy["feedback"] = "review", 0, []
    record = RollbackRecord(
        asset_id=asset_id, from_version=newest, to_version=target, version=newest + 1,
        user=user or "someone", reason=reason[:500], at=now,
    )  # fmt: skip
    update: dict[str, Any] = {
        "assets": {asset_id: copy},
        "rollbacks": [record],
        "phase": "reviewing",
        "stop_reason": "",
    }
    if values.get("publish_approved"):
        update["publish_approved"] = False
    return update
