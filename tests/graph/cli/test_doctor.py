"""``brandloom doctor``: every part reported with what it resolves to, one line per failure."""

from __future__ import annotations

import socket
from pathlib import Path

from graph.cli.doctor import Finding, examine
from tools.redis_server import EmbeddedRedis
from tools.settings import Settings

SCRIPTED = {"model_router": "scripted", "model_writer": "scripted", "model_critic": "scripted"}


def by_part(findings: list[Finding]) -> dict[str, Finding]:
    return {finding.part.strip(): finding for finding in findings}


def test_a_working_install_reports_every_part(settings: Settings) -> None:
    found = by_part(examine(settings.model_copy(update=SCRIPTED)))
    assert all(finding.ok for finding in found.values()), found
    assert found["data dir"].detail.startswith(str(settings.data_dir))
    assert found["redis"].detail.endswith("(answers)")
    assert found["model writer"].detail == "scripted (configured)"
    assert "all-MiniLM-L6-v2" in found["embeddings"].detail
    assert found["memory"].detail == f"embedded index, {settings.data_dir / 'memory'}"
    assert str(settings.data_dir / "outbox") in found["connector outbox"].detail


def test_the_local_model_is_loaded(settings: Settings) -> None:
    found = by_part(examine(settings))
    assert found["model writer"].ok
    assert found["model writer"].detail.startswith("local:smollm2-135m (loads: SmolLM2")


def test_an_embedded_redis_not_running_yet_is_fine_and_not_started(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "fresh", REDIS_URL=None, **SCRIPTED)
    found = by_part(examine(settings, load_models=False))
    assert found["redis"].ok
    assert "starts on first use" in found["redis"].detail
    assert not EmbeddedRedis(settings.redis_dir).is_up()
    assert "created on first use" in found["data dir"].detail
    assert not settings.data_dir.exists()


def test_broken_parts_each_say_what_is_wrong_without_secrets(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        REDIS_URL=f"redis://user:s3cret-pass@127.0.0.1:{port}/0",
        model_router="scripted",
        model_writer="openai:gpt-4.1-mini",
        model_critic="nope:model",
        model_fallbacks="gemini:gemini-2.5-flash",
        memory_backend="pinecone",
        OPENAI_API_KEY=None,
        GEMINI_API_KEY=None,
        PINECONE_API_KEY=None,
    )
    findings = examine(settings, load_models=False)
    found = by_part(findings)
    assert "does not answer" in found["redis"].problem
    assert "s3cret-pass" not in " ".join(f"{f.detail} {f.problem}" for f in findings)
    assert "needs OPENAI_API_KEY" in found["model writer"].problem
    assert "unknown model id 'nope:model'" in found["model critic"].problem
    assert "needs GEMINI_API_KEY" in found["fallback 1"].problem
    assert "needs PINECONE_API_KEY" in found["memory"].problem
    assert found["model router"].ok
