"""A campaign's status after a crash between a step's writes and its checkpoint."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from langchain_core.runnables import RunnableConfig

from graph.checkpoint import RedisSaver
from graph.service.views import status_of
from tests.graph.checkpoint_support import build_review_graph, thread_config, unique_prefix


class _Crash(BaseException):
    """Stands for SIGKILL: nothing after it runs."""


class CrashingSaver(RedisSaver):
    """Saves pending writes, but dies instead of saving the checkpoint of step ``crash_at``."""

    crash_at = 1

    def put(self, config: RunnableConfig, checkpoint: Any, metadata: Any, new_versions: Any):  # type: ignore[no-untyped-def]
        if metadata.get("step") == self.crash_at:
            raise _Crash
        return super().put(config, checkpoint, metadata, new_versions)


def test_a_step_saved_only_as_pending_writes_is_paused_and_resumes(
    redis_client: redis.Redis,
) -> None:
    prefix = unique_prefix()
    config = thread_config()
    crashing = build_review_graph().compile(checkpointer=CrashingSaver(redis_client, prefix=prefix))
    with pytest.raises(_Crash):
        crashing.invoke({"log": [], "draft": ""}, config, durability="sync")

    app = build_review_graph().compile(checkpointer=RedisSaver(redis_client, prefix=prefix))
    snapshot = app.get_state(config)
    assert snapshot.values["log"] == ["plan"]  # the plan step's writes were saved...
    assert snapshot.next == ()  # ...so LangGraph lists no next node: it looks finished
    assert status_of(snapshot) == "paused"

    resumed = app.invoke(None, config)  # applies the saved writes, runs on to the gate
    assert resumed["log"] == ["plan"]  # plan did not run twice
    assert app.get_state(config).interrupts[0].value == {"question": "approve the plan?"}
