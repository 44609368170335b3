"""``build_graph()``: the campaign graph, uncompiled (the caller picks the checkpointer).

::

    START -> intake -> planner -> supervisor
    supervisor --route--> plan_gate | Send(draft)* | verify | review_gate | publish_gate
                          | publisher | planner | supervisor | END
    every other node -> supervisor

All routing lives in ``graph.supervisor.route``.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from graph.context import CampaignContext
from graph.nodes.drafting import draft
from graph.nodes.gates import plan_gate, publish_gate, review_gate
from graph.nodes.intake import intake, planner
from graph.nodes.publisher import publisher
from graph.nodes.verifier import verify
from graph.state import CampaignState, DraftTask
from graph.supervisor import route, supervisor

NODES = ("intake", "planner", "plan_gate", "supervisor", "draft", "verify", "review_gate",
         "publish_gate", "publisher")  # fmt: skip
"""Node names, in data-path order."""


def build_graph() -> StateGraph[CampaignState, CampaignContext, CampaignState, CampaignState]:
    """The campaign graph; compile it with a checkpointer and run it with a CampaignContext."""
    graph: StateGraph[CampaignState, CampaignContext, CampaignState, CampaignState] = StateGraph(
        CampaignState, context_schema=CampaignContext
    )
    graph.add_node("intake", intake)
    graph.add_node("planner", planner)
    graph.add_node("plan_gate", plan_gate)
    graph.add_node("supervisor", supervisor)
    graph.add_node("draft", draft, input_schema=DraftTask)  # type: ignore[call-overload]
    graph.add_node("verify", verify)
    graph.add_node("review_gate", review_gate)
    graph.add_node("publish_gate", publish_gate)
    graph.add_node("publisher", publisher)
    graph.add_edge(START, "intake")
    graph.add_edge("intake", "planner")
    for node in (
        "planner",
        "plan_gate",
        "draft",
        "verify",
        "review_gate",
        "publish_gate",
        "publisher",
    ):
        graph.add_edge(node, "supervisor")
    graph.add_conditional_edges(
        "supervisor",
        route,
        ["planner", "plan_gate", "supervisor", "draft", "verify", "review_gate",
         "publish_gate", "publisher", END],
    )  # fmt: skip
    return graph
