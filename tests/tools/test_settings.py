"""Settings and ``.env.example`` list the same keys, and secrets stay secret."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def _settings_env_names() -> set[str]:
    prefix = Settings.model_config.get("env_prefix", "")
    names = set()
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.add(str(alias) if isinstance(alias, str) else f"{prefix}{field_name}".upper())
    return names


def _env_example_names() -> set[str]:
    text = (REPO / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_env_example_lists_every_setting_and_nothing_else() -> None:
    assert _settings_env_names() == _env_example_names()


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRANDLOOM_MAX_CONCURRENCY", "7")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6390/2")
    settings = Settings(_env_file=None)
    assert settings.max_concurrency == 7
    assert settings.redis_url == "redis://127.0.0.1:6390/2"


def test_secrets_do_not_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret-value")
    settings = Settings(_env_file=None)
    assert "sk-very-secret-value" not in repr(settings)
    assert "sk-very-secret-value" not in str(settings.model_dump())
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == "sk-very-secret-value"


def test_bad_value_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRANDLOOM_MAX_CONCURRENCY", "many")
    with pytest.raises(ValueError, match="max_concurrency"):
        Settings(_env_file=None)


def test_relative_paths_are_resolved_once_against_the_start_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BRANDLOOM_DATA_DIR", raising=False)
    monkeypatch.setenv("BRANDLOOM_TRIAGE_DIR", "heads")
    monkeypatch.setenv("REDIS_URL", "unix://run/redis.sock?db=2")
    settings = Settings(_env_file=None)
    assert settings.data_dir == tmp_path / ".brandloom"  # the default a newcomer gets
    assert settings.redis_dir == tmp_path / ".brandloom" / "redis"
    assert settings.triage_dir == tmp_path / "heads"
    assert settings.redis_url == f"unix://{tmp_path}/run/redis.sock?db=2"
    monkeypatch.chdir("/")
    assert settings.data_dir == tmp_path / ".brandloom"  # resolved at start-up, not per use


def test_absolute_paths_and_urls_are_kept(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None, data_dir=tmp_path / "d", REDIS_URL="unix:///var/run/redis.sock"
    )
    assert settings.data_dir == tmp_path / "d"
    assert settings.redis_url == "unix:///var/run/redis.sock"
    assert Settings(_env_file=None, REDIS_URL="redis://h:6379/0").redis_url == "redis://h:6379/0"
