"""KPI charts in Chromium: after a published campaign, `kpis` shows Plotly charts and the same
numbers as `brandloom kpis --json`. Real ``chainlit run app.py``, scripted models."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from graph.workspace.kpi_charts import METRICS, _shown
from tests.browser.conftest import REPO, WorkspaceServer, screenshot, send, sign_in
from tests.browser.test_campaign_flow import button
from tests.browser.test_review_panel import BRIEF, echo_workspace  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def cli_kpis(server: WorkspaceServer, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "graph.cli", "kpis", "--json", *args],
        cwd=REPO,
        env=server.environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(json.loads(done.stdout))


def test_kpis_show_charts_with_the_cli_numbers(
    echo_workspace: WorkspaceServer,  # noqa: F811
    new_page,
    request: pytest.FixtureRequest,
) -> None:
    page = new_page()
    sign_in(page, echo_workspace, "paula")
    send(page, BRIEF)
    button(page, "Approve plan").click()
    button(page, "Approve all").click()
    button(page, "Publish").click()
    expect(page.get_by_text(re.compile(r"· published \(done\)"))).to_be_visible()

    send(page, "kpis")
    expect(page.get_by_role("heading", name="KPIs")).to_be_visible()
    expected = cli_kpis(echo_workspace)
    assert expected["published_assets"] == 4
    table = page.get_by_role("table").last
    for key, title in METRICS.items():
        row = table.get_by_role("row").filter(has_text=title)
        expect(row).to_contain_text(_shown(expected[key]))
    approved = re.compile(rf"^Approved assets {expected['approved_assets']}$")
    expect(table.get_by_role("row", name=approved)).to_have_count(1)
    expect(table).to_contain_text(f"{expected['cost_usd']:.6f}")
    expect(page.locator(".js-plotly-plot")).to_have_count(2)
    expect(page.locator(".js-plotly-plot").first).to_contain_text("Approved assets per $1,000")
    screenshot(page, request.node.name, "charts")

    send(page, "kpis Loomwell")
    expect(page.get_by_role("heading", name="KPIs of Loomwell")).to_be_visible()
    by_brand = cli_kpis(echo_workspace, "--brand", "Loomwell")
    assert by_brand["approved_assets"] == expected["approved_assets"]
