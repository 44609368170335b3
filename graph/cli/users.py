"""``brandloom users``: add, list, remove, reset passwords (mounted by ``graph/cli/app.py``).

Passwords are read from a hidden prompt, or from stdin with ``--password-stdin`` (for scripts),
never from the command line where they would land in shell history.
"""

from __future__ import annotations

import sys

import typer

from graph.workspace.users import UserStore
from tools.errors import BrandloomError
from tools.settings import get_settings

app = typer.Typer(
    help="Workspace users and roles (editor, approver, viewer).", no_args_is_help=True
)


def _store() -> UserStore:
    return UserStore.for_settings(get_settings())


def _fail(error: BrandloomError) -> None:
    typer.echo(f"error: {error.user_message}", err=True)
    raise typer.Exit(code=2)


@app.command("add")
def add_user(
    name: str,
    role: str = typer.Option(..., "--role", help="editor, approver or viewer"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read it from stdin"),
    replace: bool = typer.Option(False, "--replace", help="overwrite an existing user"),
) -> None:
    """Add a user (or change one with --replace)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        user = _store().add(name, role, password, replace=replace)
    except BrandloomError as error:
        _fail(error)
        return
    typer.echo(f"user {user.name} ({user.role}) saved")


@app.command("reset-password")
def reset_password(
    name: str,
    random: bool = typer.Option(False, "--random", help="set and print a random password"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read it from stdin"),
) -> None:
    """Set a new password for a user (a lost first password included); the role is kept."""
    try:
        _store().get(name)  # an unknown name is refused before asking for a password
        if random:
            password = None
        elif password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
        new_password = _store().reset_password(name, password)
    except BrandloomError as error:
        _fail(error)
        return
    if random:
        typer.echo(f"user {name}: new password {new_password}")
    else:
        typer.echo(f"user {name}: password changed")


@app.command("list")
def list_users() -> None:
    """List users and their roles."""
    try:
        users = _store().load()
    except BrandloomError as error:
        _fail(error)
        return
    for user in users.values():
        typer.echo(f"{user.name}\t{user.role}")


@app.command("remove")
def remove_user(name: str) -> None:
    """Remove a user; their campaigns stay, readable by nobody else."""
    try:
        _store().remove(name)
    except BrandloomError as error:
        _fail(error)
        return
    typer.echo(f"user {name} removed")
