"""A service without an injected content store opens the configured one once and keeps it."""

from __future__ import annotations

from pathlib import Path

from tests.graph.conftest import approve_all, to_review


async def test_one_store_serves_every_run_until_the_service_closes(
    make_service, tmp_path: Path
) -> None:
    service = make_service()
    review = await to_review(service)
    store = await service.owned_store.current()
    await service.resume("t1", approve_all(review.gate))
    assert await service.owned_store.current() is store  # not reopened for the second run
    assert (await service.kpis("t1")).approved_assets == 3
    recorded = await store.read_all(thread_id="t1")

    await service.aclose()
    reopened = await service.owned_store.current()
    assert reopened is not store  # closed: the next use opens the store again
    assert await reopened.read_all(thread_id="t1") == recorded  # SQLite under the data dir
    assert (tmp_path / "data" / "content.sqlite3").is_file()
    await service.aclose()
