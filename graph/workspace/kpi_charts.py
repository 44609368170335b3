"""KPI charts for the chat: approved assets per $1,000, first-pass approval rate, rewrite rate,
time-to-publish and time-to-fix, over time (per UTC day) and per brand.

Every number is computed by ``tools.content_store.kpis.compute_kpis`` over the content store's
events, the function ``brandloom kpis --json`` uses, so the chat and the CLI agree exactly; the
overall row is ``ContentStore.kpis`` itself. Figures are built here (Plotly, no Chainlit);
``graph.workspace.cockpit_web`` sends them as ``cl.Plotly`` elements. Kept apart from the text
``kpis`` view so the two can be merged side by side.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from tools.content_store.base import ContentStore
from tools.content_store.kpis import KpiFilter, Kpis, compute_kpis

METRICS: dict[str, str] = {
    "approved_per_1000_usd": "Approved assets per $1,000",
    "first_pass_approval_rate": "First-pass approval rate",
    "rewrite_rate": "Rewrite rate",
    "time_to_publish_s": "Time to publish (s)",
    "time_to_fix_s": "Time to fix (s)",
}
_DAY_S = 86_400


class KpiPoint(BaseModel):
    """The KPIs of one day or one brand."""

    label: str
    kpis: Kpis


class KpiSeries(BaseModel):
    brand: str | None
    overall: Kpis
    by_day: list[KpiPoint]
    by_brand: list[KpiPoint]


async def kpi_series(store: ContentStore, brand: str | None = None) -> KpiSeries:
    """The overall KPIs (as ``brandloom kpis [--brand B]``), per UTC day and per brand."""
    events = await store.read_all()
    overall = await store.kpis(brand=brand)
    days = sorted({int(event.at // _DAY_S) * _DAY_S for event in events})
    by_day = [
        KpiPoint(
            label=datetime.fromtimestamp(day, UTC).date().isoformat(),
            kpis=compute_kpis(events, KpiFilter(brand=brand, since=day, until=day + _DAY_S)),
        )
        for day in days
    ]
    brands = sorted({event.brand for event in events if event.brand})
    by_brand = [
        KpiPoint(label=name, kpis=compute_kpis(events, KpiFilter(brand=name)))
        for name in brands
        if brand is None or name == brand
    ]
    return KpiSeries(brand=brand, overall=overall, by_day=by_day, by_brand=by_brand)


def kpi_markdown(series: KpiSeries) -> str:
    """The overall numbers (the same as ``brandloom kpis --json``) above the charts."""
    values = series.overall.model_dump()
    lines = [
        f"### KPIs{f' of {series.brand}' if series.brand else ''}",
        "| KPI | value |",
        "|---|---|",
        *(f"| {title} | {_shown(values[key])} |" for key, title in METRICS.items()),
        f"| Approved assets | {values['approved_assets']} |",
        f"| Cost (USD) | {values['cost_usd']:.6f} |",
    ]
    if not series.by_day:
        lines.append("\nThe content store has no events yet: run a campaign first.")
    return "\n".join(lines)


def _shown(value: object) -> str:
    if value is None:
        return "—"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def kpi_figures(series: KpiSeries) -> dict[str, object]:
    """Chart name -> Plotly figure: every KPI per day (lines) and per brand (bars)."""
    from plotly import graph_objects as go  # loaded when charts are asked for, not at start
    from plotly.subplots import make_subplots

    figures: dict[str, object] = {}
    for name, points, kind in (
        ("KPIs over time", series.by_day, "line"),
        ("KPIs per brand", series.by_brand, "bar"),
    ):
        figure = make_subplots(
            rows=len(METRICS), cols=1, subplot_titles=list(METRICS.values()), vertical_spacing=0.06
        )
        labels = [point.label for point in points]
        for row, key in enumerate(METRICS, start=1):
            values = [getattr(point.kpis, key) for point in points]
            trace = (
                go.Scatter(x=labels, y=values, mode="lines+markers", name=METRICS[key])
                if kind == "line"
                else go.Bar(x=labels, y=values, name=METRICS[key])
            )
            figure.add_trace(trace, row=row, col=1)
        figure.update_layout(title=name, height=180 * len(METRICS), showlegend=False)
        figure.update_xaxes(type="category")  # days and brands are labels, not a time axis
        figures[name] = figure
    return figures
