"""A campaign on ``openai:`` model ids against a real OpenAI-compatible server.

``llama_cpp.server`` (the ``llama-cpp-python[server]`` extra) serves the bundled SmolLM2 GGUF on
a loopback port, behind a small reverse proxy as deployments have one (the proxy answers 502
when the server is gone, as nginx does). The campaign streams its drafts through the server;
that server sends no usage in streams, so the token counts are estimated and flagged; the model
has no price, so the run says budgets are not enforced. Then the server is killed: the next
draft gets 502s, retries, and falls back to the in-process local model of the fallback chain.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from agents.providers.local import gguf_path
from graph.service.campaigns import CampaignService
from tools.events import TraceEvent
from tools.redis_server import EmbeddedRedis
from tools.settings import Settings

pytestmark = [pytest.mark.local_model, pytest.mark.slow]

BRIEF = "Brand: Loomwell\nGoal: launch the spring linen range\nTone: friendly\n\n2 social posts"
SERVED_NAME = "smollm2"
START_TIMEOUT_S = 120.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LlamaServer:
    """``python -m llama_cpp.server`` with the bundled GGUF, as a subprocess on loopback."""

    def __init__(self, log_path: Path) -> None:
        self.port = _free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [
            sys.executable, "-m", "llama_cpp.server", "--model", gguf_path("smollm2-135m"),
            "--model_alias", SERVED_NAME, "--host", "127.0.0.1", "--port", str(self.port),
            "--n_ctx", "2048", "--n_threads", "1", "--interrupt_requests", "False",
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited:\n{self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/v1/models", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.25)
        self.kill()
        pytest.fail(f"llama_cpp.server not ready in {START_TIMEOUT_S:g}s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


class ReverseProxy:
    """Forwards requests to ``upstream_port`` and streams the answers back (chunked); 502 when
    the upstream cannot be reached; an answer the upstream cuts off is cut off here too."""

    def __init__(self, upstream_port: int) -> None:
        upstream = upstream_port

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return None

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                connection = http.client.HTTPConnection("127.0.0.1", upstream, timeout=300)
                headers = {"content-type": "application/json"}
                try:
                    connection.request("POST", self.path, body, headers)
                    answer = connection.getresponse()
                except OSError:
                    error = {"error": {"message": "bad gateway: upstream unavailable"}}
                    payload = json.dumps(error).encode()
                    self.send_response(502)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                self.send_response(answer.status)
                self.send_header("content-type", answer.getheader("content-type", "text/plain"))
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                self.close_connection = True
                try:
                    while chunk := answer.read1(65536):
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        self.wfile.flush()
                except http.client.HTTPException:  # no final chunk: the client sees the cut
                    return
                finally:
                    connection.close()
                self.wfile.write(b"0\r\n\r\n")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def llama_server(tmp_path: Path) -> Iterator[LlamaServer]:
    server = LlamaServer(tmp_path / "llama-server.log")
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def proxy(llama_server: LlamaServer) -> Iterator[ReverseProxy]:
    front = ReverseProxy(llama_server.port)
    try:
        yield front
    finally:
        front.close()


def server_streams_usage(base_url: str) -> bool:
    """Ask the server directly, as the OpenAI SDK does, whether a stream ends with usage."""
    request = {
        "model": SERVED_NAME,
        "messages": [{"role": "user", "content": "Say hi."}],
        "max_tokens": 4,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    with httpx.stream("POST", base_url + "/v1/chat/completions", json=request, timeout=60) as r:
        lines = [line for line in r.iter_lines() if line.startswith("data: {")]
    return any(json.loads(line[len("data: ") :]).get("usage") for line in lines)


def _settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis: EmbeddedRedis, base_url: str
) -> Settings:
    """What a user sets: ``openai:`` ids for every role, the server's URL, a local fallback."""
    for role in ("WRITER", "ROUTER", "CRITIC"):
        monkeypatch.setenv(f"BRANDLOOM_MODEL_{role}", f"openai:{SERVED_NAME}")
    monkeypatch.setenv("BRANDLOOM_MODEL_FALLBACKS", "local:smollm2-135m")
    monkeypatch.setenv("OPENAI_BASE_URL", base_url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "x")
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        REDIS_URL=redis.url,
        model_max_tokens=48,
        model_max_retries=2,
        model_retry_base_seconds=0.05,
        max_revisions=0,
        campaign_memory=False,
        campaign_triage=False,
        local_model_threads=1,
    )


async def test_campaign_through_llama_cpp_server_then_fallback_when_it_dies(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    embedded_redis: EmbeddedRedis,
    llama_server: LlamaServer,
    proxy: ReverseProxy,
) -> None:
    reports_usage = server_streams_usage(llama_server.url)
    service = CampaignService.open(_settings(monkeypatch, tmp_path, embedded_redis, proxy.url))
    chunks: list[str] = []
    events: list[TraceEvent] = []
    await service.start("srv-1", BRIEF, "alice")
    outcome = await service.resume(
        "srv-1",
        {"action": "approve"},
        on_event=events.append,
        on_token=lambda asset_id, chunk: chunks.append(chunk),
    )
    assert outcome.gate is not None and outcome.gate.gate == "review"
    first, second = outcome.gate.assets
    assert first.text.strip() and second.text.strip()
    assert len(chunks) > 2 and "".join(chunks).strip()  # streamed, not one final blob
    calls = [e for e in service.trace("srv-1") if e.kind == "model_call"]
    assert len(calls) == 2 and all(e.model_id == f"openai:{SERVED_NAME}" for e in calls)
    assert all(e.summary == "ok" and e.prompt_tokens > 0 for e in calls)
    assert all(0 < e.completion_tokens <= 48 for e in calls)
    assert all(e.usage_estimated is not reports_usage for e in calls)
    assert service.view("srv-1").totals.get("estimated_calls", 0) == (0 if reports_usage else 2)
    assert all(e.price_unknown and e.cost_usd == 0.0 for e in calls)
    warning = f"price unknown: budget not enforced for openai:{SERVED_NAME}"
    assert [e.summary for e in events if e.kind == "budget"] == [warning]

    llama_server.kill()
    decisions = {
        first.asset_id: {"action": "approve"},
        second.asset_id: {"action": "reject", "reason": "try again"},
    }
    outcome = await service.resume("srv-1", {"decisions": decisions, "user": "rev"})
    assert outcome.gate is not None and outcome.gate.gate == "review"
    (redone,) = outcome.gate.assets
    assert redone.asset_id == second.asset_id and redone.version == 2
    assert redone.text.strip() and not redone.failed
    later = [e for e in service.trace("srv-1") if e.kind == "model_call"][2:]
    assert [(e.model_id, e.retries) for e in later] == [
        (f"openai:{SERVED_NAME}", 0),
        (f"openai:{SERVED_NAME}", 1),
        (f"openai:{SERVED_NAME}", 2),
        ("local:smollm2-135m", 0),
    ]
    assert all("openai 502" in e.summary for e in later[:3])
    assert later[3].summary == "ok" and later[3].completion_tokens > 0
    assert not later[3].usage_estimated and not later[3].price_unknown
