"""One table declares every asset kind: length window, channel, brief phrase, triage label."""

from __future__ import annotations

import re
from typing import get_args

from graph.nodes.intake import CATEGORY_KINDS
from graph.planning.plan import LENGTH_WINDOWS, PRODUCT_KINDS
from tools.asset_kinds import ASSET_KINDS, AssetKind


def test_every_asset_kind_has_exactly_one_row() -> None:
    assert set(ASSET_KINDS) == set(get_args(AssetKind))
    for kind, spec in ASSET_KINDS.items():
        low, high = spec.words
        assert 0 < low < high, kind
        assert spec.channel, kind
        re.compile(spec.brief_pattern)


def test_the_planner_and_intake_read_the_table() -> None:
    assert LENGTH_WINDOWS["social_post"] == ASSET_KINDS["social_post"].words
    assert set(PRODUCT_KINDS) == {"product_description", "seo_meta"}
    assert CATEGORY_KINDS["newsletter"] == "newsletter"
    assert "visual_brief" not in CATEGORY_KINDS.values()
