"""A plan row's ``publish_at`` reaches the connector's item (and a bad one is refused)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from graph.nodes.publisher import publish_item
from graph.planning.assets import new_asset
from graph.planning.plan import Deliverable


def test_publish_at_goes_from_the_plan_row_to_the_publish_item() -> None:
    row = Deliverable.model_validate(
        {"asset_id": "blog_article", "asset_kind": "blog_article", "channel": "blog",
         "publish_at": "2030-05-01T11:00:00+02:00"}
    )  # fmt: skip
    asset = new_asset(row)
    version = {"text": "Body.", "title": "T", "fields": {}, "author": "copywriter"}
    asset |= {"version": 1, "versions": [version | {"created_at": 0.0}], "status": "approved"}
    item = publish_item("t1", asset)  # type: ignore[arg-type]
    assert item.publish_at == datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
    assert publish_item("t1", asset | {"publish_at": ""}).publish_at is None  # type: ignore[arg-type]


def test_a_publish_at_that_is_not_a_time_is_refused_in_the_plan() -> None:
    with pytest.raises(ValidationError, match="publish_at"):
        Deliverable.model_validate(
            {"asset_id": "a", "asset_kind": "blog_article", "channel": "blog",
             "publish_at": "soon"}
        )  # fmt: skip
