"""Workspace users and roles, kept in a small JSON file under the data dir.

Roles (``editor``, ``approver``, ``viewer``) decide what a signed-in user may do; thread
ownership decides which campaigns they may touch at all (see ``graph/workspace/chat.py``).
Passwords are stored as salted scrypt hashes (``hashlib.scrypt``), never in clear; the file is
written atomically with mode 0600. Add users with ``brandloom users add NAME --role ROLE``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from pathlib import Path

from pydantic import BaseModel, ValidationError

from tools.errors import ConfigError, InputError, NotFoundError
from tools.roles import Role, checked_role
from tools.settings import Settings

FIRST_USER = "admin"
"""Name of the approver created on first start when no users file exists."""

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.@-]{1,63}$")
_MIN_PASSWORD_CHARS = 8
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """A salted scrypt hash, encoded as ``scrypt$n$r$p$salt$hash`` (base64 parts)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    parts = [_b64(salt), _b64(digest)]
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${parts[0]}${parts[1]}"


def verify_password(password: str, encoded: str) -> bool:
    """Constant-time check of ``password`` against a ``hash_password`` string."""
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return scheme == "scrypt" and hmac.compare_digest(actual, expected)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


class UserRecord(BaseModel):
    """One workspace user as stored in the users file."""

    name: str
    """Sign-in name; also the owner recorded on every thread the user starts."""
    role: Role
    password_hash: str
    """``hash_password`` output; the password itself is never stored."""


class UserStore:
    """The users file: load, add, remove, authenticate. Every write replaces the file atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_settings(cls, settings: Settings) -> UserStore:
        """The store at ``<data_dir>/users.json``."""
        return cls(settings.data_dir / "users.json")

    def load(self) -> dict[str, UserRecord]:
        """All users by name; an absent file means no users yet."""
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {name: UserRecord.model_validate(item) for name, item in raw.items()}
        except (json.JSONDecodeError, ValidationError, AttributeError) as exc:
            raise ConfigError(f"users file {self.path} is unreadable: {exc}") from exc

    def get(self, name: str) -> UserRecord:
        """One user; ``NotFoundError`` if unknown."""
        user = self.load().get(name)
        if user is None:
            raise NotFoundError(f"no user named {name!r}")
        return user

    def add(self, name: str, role: str, password: str, *, replace: bool = False) -> UserRecord:
        """Create (or with ``replace`` overwrite) a user; bad name/role/password -> InputError."""
        if not _NAME.match(name):
            raise InputError("user names are 2-64 chars: lowercase letters, digits, _ . @ -")
        checked_role(role)
        if len(password) < _MIN_PASSWORD_CHARS:
            raise InputError(f"passwords need at least {_MIN_PASSWORD_CHARS} characters")
        users = self.load()
        if name in users and not replace:
            raise InputError(f"user {name!r} exists; pass --replace to change it")
        users[name] = UserRecord(name=name, role=role, password_hash=hash_password(password))  # type: ignore[arg-type]
        self._write(users)
        return users[name]

    def reset_password(self, name: str, password: str | None = None) -> str:
        """Give an existing user a new password (a random one when None); return it.

        The way back in after the first start's password was lost: the role is kept.
        """
        user = self.get(name)
        new_password = password if password is not None else secrets.token_urlsafe(12)
        self.add(name, user.role, new_password, replace=True)
        return new_password

    def remove(self, name: str) -> None:
        """Delete a user; ``NotFoundError`` if unknown."""
        users = self.load()
        if users.pop(name, None) is None:
            raise NotFoundError(f"no user named {name!r}")
        self._write(users)

    def authenticate(self, name: str, password: str) -> UserRecord | None:
        """The user if the password matches, else None (unknown names cost the same time)."""
        user = self.load().get(name)
        if user is None:
            verify_password(password, hash_password("timing-equaliser"))
            return None
        return user if verify_password(password, user.password_hash) else None

    def ensure_first_user(self) -> str | None:
        """On first start, create ``admin`` (approver) with a random password and return it."""
        if self.path.exists():
            return None
        password = secrets.token_urlsafe(12)
        self.add(FIRST_USER, "approver", password)
        return password

    def _write(self, users: dict[str, UserRecord]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        payload = {name: user.model_dump() for name, user in sorted(users.items())}
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=2)
        os.replace(tmp, self.path)


def session_secret(settings: Settings) -> str:
    """The secret signing chat session tokens: from settings, else generated once and kept.

    Kept in ``<data_dir>/session_secret`` (mode 0600) so sign-ins survive a server restart.
    """
    if settings.chainlit_auth_secret and settings.chainlit_auth_secret.get_secret_value():
        return settings.chainlit_auth_secret.get_secret_value()
    path = settings.data_dir / "session_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip()
