"""What the publisher does with an asset a connector refused (4xx, ``userErrors``).

The asset goes back to the review queue (``approved -> review``), flagged ``failed`` with
the remote's one-line message, so a person sees why and can fix and approve it again; the
other assets of the run are still published. A connector that is down raises
``ConnectorUnavailable`` instead: the run stops before the publisher's step is saved and
``brandloom resume`` publishes again (every publish is idempotent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.nodes.records import transition
from tools.connectors.errors import PublishRefused

if TYPE_CHECKING:
    from langgraph.runtime import Runtime

    from graph.context import CampaignContext
    from graph.state import AssetRecord


def refused_asset(
    runtime: Runtime[CampaignContext], thread_id: str, asset: AssetRecord, refused: PublishRefused
) -> AssetRecord:
    """The asset record after a refusal (and its ``approved -> review`` event)."""
    message = refused.user_message
    transition(runtime, thread_id, asset, "review", actor=refused.connector, detail=message)
    return {**asset, "status": "review", "failed": True, "error": message}
