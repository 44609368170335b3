"""Roles and permissions: who may do what, in one table every layer may import.

The service checks them on each call, the CLI and the chat both pass the caller's role, and
the users file stores it; so the ``Role`` literal lives here, below all of them.
"""

from __future__ import annotations

from typing import Literal, get_args

from tools.errors import InputError

Role = Literal["viewer", "editor", "approver"]
"""editor: commission, edit, review; approver: editor + publish; viewer: read only."""

Permission = Literal["read", "commission", "edit", "decide", "publish"]
"""What an action needs; ``decide`` covers approve/edit/reject/respond at plan and review gates."""

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    "viewer": frozenset({"read"}),
    "editor": frozenset({"read", "commission", "edit", "decide"}),
    "approver": frozenset({"read", "commission", "edit", "decide", "publish"}),
}
"""The permission table; the one place that says who may do what."""


def checked_role(role: object) -> Role:
    """``role`` if it is one of ``Role``; ``InputError`` naming the known roles otherwise."""
    if role not in get_args(Role):
        known = ", ".join(get_args(Role))
        raise InputError(f"unknown role {str(role)[:40]!r}: the role must be one of {known}")
    return role  # type: ignore[return-value]


def role_allows(role: Role, permission: Permission) -> bool:
    """Whether ``role`` carries ``permission``."""
    return permission in ROLE_PERMISSIONS[role]
