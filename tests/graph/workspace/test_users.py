"""Users file: hashed passwords, roles, first-start user, clear errors on bad input."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.cli.users import app
from graph.workspace.users import UserStore, hash_password, verify_password
from tools.errors import ConfigError, InputError, NotFoundError
from tools.roles import role_allows


def test_password_hash_is_salted_and_verifies() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second
    assert first.startswith("scrypt$")
    assert verify_password("correct horse", first)
    assert not verify_password("wrong horse", first)
    assert not verify_password("correct horse", "garbage")


def test_add_then_authenticate(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.json")
    store.add("ana", "editor", "s3cret-pass")
    assert store.authenticate("ana", "s3cret-pass") is not None
    assert store.authenticate("ana", "nope-nope-nope") is None
    assert store.authenticate("bob", "s3cret-pass") is None
    text = (tmp_path / "users.json").read_text()
    assert "s3cret-pass" not in text
    assert stat.S_IMODE((tmp_path / "users.json").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("Ana Smith", "editor", "longenough", "user names"),
        ("ana", "admin", "longenough", "role must be"),
        ("ana", "editor", "short", "at least 8"),
    ],
)
def test_bad_user_input_changes_nothing(
    tmp_path: Path, name: str, role: str, password: str, message: str
) -> None:
    store = UserStore(tmp_path / "users.json")
    with pytest.raises(InputError, match=message):
        store.add(name, role, password)
    assert not (tmp_path / "users.json").exists()


def test_existing_user_needs_replace(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.json")
    store.add("ana", "editor", "first-pass")
    with pytest.raises(InputError, match="exists"):
        store.add("ana", "viewer", "second-pass")
    store.add("ana", "viewer", "second-pass", replace=True)
    assert store.get("ana").role == "viewer"
    store.remove("ana")
    with pytest.raises(NotFoundError):
        store.get("ana")


def test_first_start_creates_one_approver(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.json")
    password = store.ensure_first_user()
    assert password is not None
    assert store.authenticate("admin", password) is not None
    assert store.get("admin").role == "approver"
    assert store.ensure_first_user() is None


def test_unreadable_users_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "users.json").write_text(json.dumps({"ana": {"role": "editor"}}))
    with pytest.raises(ConfigError, match="unreadable"):
        UserStore(tmp_path / "users.json").load()


def test_role_table() -> None:
    assert role_allows("approver", "publish")
    assert not role_allows("editor", "publish")
    assert role_allows("editor", "decide")
    assert not role_allows("viewer", "decide")
    assert role_allows("viewer", "read")


def test_cli_adds_and_lists_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tools.settings import get_settings

    monkeypatch.setenv("BRANDLOOM_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        added = runner.invoke(
            app, ["add", "vera", "--role", "viewer", "--password-stdin"], input="viewer-pass\n"
        )
        assert added.exit_code == 0, added.output
        listed = runner.invoke(app, ["list"])
        assert "vera\tviewer" in listed.output
        bad = runner.invoke(
            app, ["add", "x y", "--role", "viewer", "--password-stdin"], input="viewer-pass\n"
        )
        assert bad.exit_code == 2
        assert "user names" in bad.output
    finally:
        get_settings.cache_clear()


def test_reset_password_keeps_the_role(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.json")
    first = store.ensure_first_user()
    assert first is not None
    new_password = store.reset_password("admin")
    assert new_password != first
    assert store.authenticate("admin", first) is None
    user = store.authenticate("admin", new_password)
    assert user is not None and user.role == "approver"
    store.reset_password("admin", "chosen-password")
    assert store.authenticate("admin", "chosen-password") is not None
    with pytest.raises(NotFoundError):
        store.reset_password("nobody")
    with pytest.raises(InputError, match="at least 8"):
        store.reset_password("admin", "short")
    assert store.authenticate("admin", "chosen-password") is not None


def test_cli_resets_a_lost_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tools.settings import get_settings

    monkeypatch.setenv("BRANDLOOM_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        UserStore(tmp_path / "users.json").ensure_first_user()
        runner = CliRunner()
        printed = runner.invoke(app, ["reset-password", "admin", "--random"])
        assert printed.exit_code == 0, printed.output
        password = printed.output.strip().rsplit(" ", 1)[-1]
        assert UserStore(tmp_path / "users.json").authenticate("admin", password) is not None
        prompted = runner.invoke(
            app, ["reset-password", "admin"], input="typed-password\ntyped-password\n"
        )
        assert prompted.exit_code == 0 and "password changed" in prompted.output
        assert UserStore(tmp_path / "users.json").authenticate("admin", "typed-password")
        unknown = runner.invoke(app, ["reset-password", "ghost", "--random"])
        assert unknown.exit_code == 2 and "no user named 'ghost'" in unknown.output
    finally:
        get_settings.cache_clear()
