"""Shared pieces of the checkpoint saver tests: a small graph with a human gate, helpers."""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable
from typing import Annotated, Any, TypedDict

import redis
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt


class ReviewState(TypedDict):
    log: Annotated[list[str], operator.add]
    """Every node appends its name: a step that runs twice shows up twice."""
    draft: str
    """Overwritten by each step, like a draft being revised."""


def build_review_graph(
    on_publish: Callable[[str], None] | None = None,
    on_write: Callable[[], None] | None = None,
) -> StateGraph:
    """plan -> gate (interrupt: approve?) -> write -> publish; the hooks see each call."""

    def plan(state: ReviewState) -> dict[str, Any]:
        return {"log": ["plan"], "draft": "outline " * 50}

    def gate(state: ReviewState) -> dict[str, Any]:
        decision = interrupt({"question": "approve the plan?"})
        return {"log": [f"gate:{decision}"]}

    def write(state: ReviewState) -> dict[str, Any]:
        if on_write is not None:
            on_write()
        return {"log": ["write"], "draft": "final copy " * 100}

    def publish(state: ReviewState) -> dict[str, Any]:
        if on_publish is not None:
            on_publish(state["draft"])
        return {"log": ["publish"]}

    builder = StateGraph(ReviewState)
    for node in (plan, gate, write, publish):
        builder.add_node(node.__name__, node)
    builder.add_edge(START, "plan")
    builder.add_edge("plan", "gate")
    builder.add_edge("gate", "write")
    builder.add_edge("write", "publish")
    builder.add_edge("publish", END)
    return builder


def thread_config(thread_id: str | None = None) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_id or f"campaign-{uuid.uuid4().hex}"}}


def unique_prefix() -> str:
    """A key prefix no other test (or helper sharing the machine's Redis) uses."""
    return f"bltest:{uuid.uuid4().hex[:12]}"


def delete_prefix(client: redis.Redis, prefix: str) -> None:
    """Delete this test's keys only (the prefix is a fresh random hex string, no glob chars)."""
    batch = list(client.scan_iter(match=f"{prefix}:*", count=500))
    if batch:
        client.delete(*batch)


def counting_client(socket_path: str) -> tuple[redis.Redis, list[int]]:
    """A client of a unix-socket Redis and a one-item list counting its round trips.

    Every request (a single command or a whole pipeline) is one ``send_packed_command``.
    """
    sent = [0]

    class CountingConnection(redis.UnixDomainSocketConnection):
        def send_packed_command(self, command: Any, check_health: bool = True) -> None:
            sent[0] += 1
            super().send_packed_command(command, check_health)

    pool = redis.ConnectionPool(connection_class=CountingConnection, path=socket_path)
    return redis.Redis(connection_pool=pool), sent
