"""Redis restarted in the middle of a campaign: the run fails clearly, resume completes it."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from langgraph.types import Command

from graph.checkpoint import RedisSaver
from tests.graph.checkpoint_support import build_review_graph, thread_config
from tools.errors import StoreError
from tools.redis_server import EmbeddedRedis


def test_embedded_redis_restart_mid_run_then_resume_completes(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    try:
        published: list[str] = []
        writes_started: list[int] = []

        def stop_redis_during_first_write() -> None:
            writes_started.append(1)
            if len(writes_started) == 1:
                server.stop()

        saver = RedisSaver(redis.Redis.from_url(server.url), prefix="restart")
        app = build_review_graph(published.append, stop_redis_during_first_write).compile(
            checkpointer=saver
        )
        config = thread_config()
        app.invoke({"log": [], "draft": ""}, config, durability="sync")

        with pytest.raises(StoreError, match=r"is unreachable \(failed to save a checkpoint"):
            app.invoke(Command(resume="yes"), config, durability="sync")
        assert not server.is_up()

        server.start()  # same data dir: the append-only file brings the campaign back
        restarted = build_review_graph(published.append, stop_redis_during_first_write).compile(
            checkpointer=RedisSaver(redis.Redis.from_url(server.url), prefix="restart")
        )
        state = restarted.get_state(config)
        assert state.next == ("write",)  # the gate's decision survived, the write did not finish
        done = restarted.invoke(None, config, durability="sync")
        assert done["log"] == ["plan", "gate:yes", "write", "publish"]
        assert len(published) == 1 and len(writes_started) == 2
    finally:
        server.stop()
