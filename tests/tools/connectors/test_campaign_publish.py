"""A campaign publishes through the router: posts to a real webhook receiver, the rest to
the outbox; a refused asset goes back to review; a receiver that is down pauses publishing."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx
import pytest
from langgraph.checkpoint.memory import InMemorySaver

from graph.service.campaigns import CampaignService
from tests.graph.conftest import ALL_KINDS, TinySpecialist, approve_all, to_review
from tests.tools.connectors.conftest import GhostSite
from tests.tools.connectors.webhook_receiver import Receiver, Scripted, running_receiver
from tools.connectors.base import PublishItem
from tools.connectors.errors import ConnectorUnavailable
from tools.connectors.ghost.v5 import admin_token
from tools.connectors.wordpress.v2 import slug_of
from tools.event_log import InMemoryEventLog
from tools.settings import Settings

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
APPROVER = {"action": "approve", "user": "boss", "role": "approver"}


def service(tmp_path: Path, url: str) -> CampaignService:
    settings = Settings(
        _env_file=None, data_dir=tmp_path, connectors={"social": "webhook/v1"},
        connectors_live="social", webhook_url=url, webhook_secret=SECRET,
        connector_max_retries=1, connector_backoff_seconds=0,
    )  # fmt: skip
    return CampaignService.open(
        settings, specialists=dict.fromkeys(ALL_KINDS, TinySpecialist()),
        checkpointer=InMemorySaver(), event_log=InMemoryEventLog(), memory=None, triage=None,
    )  # fmt: skip


async def to_publish_gate(campaign: CampaignService) -> None:
    review = await to_review(campaign)
    publish = await campaign.resume("t1", approve_all(review.gate))
    assert publish.gate is not None and publish.gate.gate == "publish"


async def test_posts_go_to_the_webhook_and_the_newsletter_to_the_outbox(tmp_path: Path) -> None:
    with running_receiver(SECRET) as receiver:
        campaign = service(tmp_path, receiver.url)
        await to_publish_gate(campaign)
        done = await campaign.resume("t1", APPROVER, role="approver")
    assert done.status == "done"
    assert receiver.deliveries == 2 and len(receiver.objects) == 2
    assert {e["type"] for e in receiver.objects.values()} == {"asset.published"}
    assert (tmp_path / "outbox" / "t1" / "newsletter.v1.md").is_file()


async def test_a_refused_post_goes_back_to_review_with_the_remote_message(tmp_path: Path) -> None:
    with running_receiver(SECRET) as receiver:
        receiver.script = [Scripted(422)]
        campaign = service(tmp_path, receiver.url)
        await to_publish_gate(campaign)
        await campaign.resume("t1", APPROVER, role="approver")
        view = campaign.view("t1")
    failed = [a for a in view.assets if a.failed]
    assert len(failed) == 1 and "webhook/v1: HTTP 422: scripted" in failed[0].error
    assert failed[0].status == "review" and receiver.deliveries == 1


async def test_a_receiver_that_is_down_pauses_publishing_until_resume(tmp_path: Path) -> None:
    with running_receiver(SECRET) as receiver:
        campaign = service(tmp_path, receiver.url)
        await to_publish_gate(campaign)
    with pytest.raises(ConnectorUnavailable, match="cannot reach"):
        await campaign.resume("t1", APPROVER, role="approver")
    with running_receiver(SECRET, Receiver(SECRET, url=receiver.url)) as back:
        done = await campaign.resume("t1", None, role="approver")
    assert done.status == "done" and len(back.objects) == 2


async def test_the_newsletter_goes_to_a_real_ghost_and_posts_to_the_webhook(
    tmp_path: Path, ghost: GhostSite
) -> None:
    with running_receiver(SECRET) as receiver:
        settings = Settings(
            _env_file=None, data_dir=tmp_path,
            connectors={"social": "webhook/v1", "email": "ghost/v5"},
            webhook_url=receiver.url, webhook_secret=SECRET, ghost_url=ghost.url,
            ghost_admin_key=ghost.admin_key,
        )  # fmt: skip
        campaign = CampaignService.open(
            settings, specialists=dict.fromkeys(ALL_KINDS, TinySpecialist()),
            checkpointer=InMemorySaver(), event_log=InMemoryEventLog(), memory=None, triage=None,
        )  # fmt: skip
        await to_publish_gate(campaign)
        done = await campaign.resume("t1", APPROVER, role="approver")
    assert done.status == "done" and len(receiver.objects) == 2
    newsletter = next(a for a in campaign.view("t1").assets if a.asset_id == "newsletter")
    assert newsletter.status == "published"
    token = admin_token(ghost.admin_key, time.time())
    found = httpx.get(
        f"{ghost.url}/ghost/api/admin/posts/?filter=slug:{slug_of(newsletter_item())}",
        headers={"Authorization": f"Ghost {token}", "Accept-Version": "v5.0"}, timeout=30,
    ).json()["posts"]  # fmt: skip
    assert len(found) == 1 and found[0]["status"] == "draft"


def newsletter_item() -> PublishItem:
    return PublishItem(
        thread_id="t1", asset_id="newsletter", version=1, asset_kind="newsletter",
        channel="email", text="",
    )  # fmt: skip
