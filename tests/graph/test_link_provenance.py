"""The verifier on the real graph: links must come from the brief, the product data, the brand
memory recalled for the asset or an allowed domain; the reviewer sees why a check failed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from agents.base import DraftRequest
from graph.cli.display import checks_text
from graph.service.campaigns import CampaignService
from graph.workspace.render import asset_markdown
from tests.graph.conftest import ALL_KINDS, TinySpecialist, fitting_text, to_review
from tools.connectors.outbox.v1 import OutboxConnector
from tools.event_log import InMemoryEventLog
from tools.settings import Settings

BRIEF = (
    "Brand: Loomwell\nGoal: launch the spring linen range at https://loomwell.example/spring\n\n"
    "1 social post"
)
INVENTED = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
LOOKBOOK = "https://loomwell.example/lookbook"


@dataclass(frozen=True)
class Item:
    item_id: str
    kind: str
    text: str


class OneFactMemory:
    """Brand memory that recalls one fact for every query (``BrandMemoryLike``)."""

    def __init__(self, text: str) -> None:
        self.item = Item("mem-lookbook", "fact", text)

    def recall(self, brand: str, queries: list[str], **options: Any) -> list[list[Item]]:
        return [[self.item] for _ in queries]

    def remember_review(self, brand: str, **review: Any) -> str:
        return "pref-1"


def with_links(*urls: str):
    def write(request: DraftRequest) -> str:
        return fitting_text(request) + " " + " ".join(f"See {url} today." for url in urls)

    return write


def service_for(
    tmp_path: Path, specialist: TinySpecialist, memory: Any = None, **overrides: Any
) -> CampaignService:
    return CampaignService.open(
        Settings(data_dir=tmp_path / "data", **overrides),
        specialists=dict.fromkeys(ALL_KINDS, specialist),
        checkpointer=InMemorySaver(),
        connector=OutboxConnector(tmp_path / "outbox"),
        event_log=InMemoryEventLog(),
        memory=memory,
        triage=None,
    )


async def test_an_invented_link_is_flagged_and_the_review_card_says_which(tmp_path: Path) -> None:
    specialist = TinySpecialist(with_links("https://loomwell.example/spring", INVENTED))
    service = service_for(tmp_path, specialist, max_revisions=0)
    outcome = await to_review(service, brief=BRIEF)
    (asset,) = outcome.gate.assets
    links = asset.checks["links"]
    assert asset.flagged and not links["passed"]
    assert INVENTED in links["detail"] and "loomwell.example/spring" not in links["detail"]
    card = asset_markdown(asset)
    assert "✗ links: unverified links" in card and INVENTED in card
    cli_review = checks_text(asset.checks, reasons=True).plain
    assert "✗ links: unverified links" in cli_review and INVENTED in cli_review
    check_events = [e for e in service.trace("t1") if e.kind == "check"]
    assert INVENTED in check_events[-1].summary


async def test_the_writer_is_told_which_link_to_drop(tmp_path: Path) -> None:
    def invent_once(request: DraftRequest) -> str:
        return with_links(INVENTED)(request) if request.version == 1 else fitting_text(request)

    specialist = TinySpecialist(invent_once)
    service = service_for(tmp_path, specialist, max_revisions=1)
    outcome = await to_review(service, brief=BRIEF)
    _, second = specialist.calls_for("social_post")
    assert any(f.startswith("links: ") and INVENTED in f for f in second.feedback)
    (asset,) = outcome.gate.assets
    assert asset.version == 2 and not asset.flagged


async def test_links_from_recalled_memory_and_allowed_domains_pass(tmp_path: Path) -> None:
    memory = OneFactMemory(f"The spring lookbook lives at {LOOKBOOK}.")
    specialist = TinySpecialist(with_links(LOOKBOOK, "https://youtube.com/@loomwell"))
    service = service_for(
        tmp_path, specialist, memory, max_revisions=0, allowed_link_domains="youtube.com"
    )
    outcome = await to_review(service, brief=BRIEF)
    (asset,) = outcome.gate.assets
    assert asset.checks["links"]["passed"], asset.checks["links"]["detail"]
    assert not asset.flagged


async def test_without_the_memory_item_the_same_link_is_unverified(tmp_path: Path) -> None:
    specialist = TinySpecialist(with_links(LOOKBOOK))
    service = service_for(tmp_path, specialist, max_revisions=0)
    outcome = await to_review(service, brief=BRIEF)
    (asset,) = outcome.gate.assets
    assert not asset.checks["links"]["passed"] and LOOKBOOK in asset.checks["links"]["detail"]
