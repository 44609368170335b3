"""``brandloom connectors``: list the registered connectors and check one (auth, reachability).

Each prints one line per connector; ``check`` exits with the error's code (README "Exit
codes": 9 for missing or refused credentials, 7 for an unreachable remote) and its message
never carries a secret.
"""

from __future__ import annotations

import typer

from tools.connectors.registry import CONNECTORS, build, default_parts, live_channels, routes
from tools.errors import BrandloomError
from tools.settings import get_settings

app = typer.Typer(help="Publishing connectors: list, check.", no_args_is_help=True)


@app.command("list")
def list_connectors() -> None:
    """One line per registered connector: the channels it publishes and how."""
    settings = get_settings()
    try:
        channel_routes = routes(settings)
    except BrandloomError as error:
        typer.echo(f"error: {error.user_message}", err=True)
        raise typer.Exit(code=error.exit_code) from None
    live = live_channels(settings)
    for name in CONNECTORS:
        channels = sorted(c for c, routed in channel_routes.items() if routed == name)
        shown = [f"{c} (live)" if c in live else f"{c} (drafts)" for c in channels]
        if name == settings.connector_default:
            shown.append("every other channel")
        typer.echo(f"{name}: {', '.join(shown) if shown else 'not used'}")


@app.command("check")
def check_connector(name: str) -> None:
    """Authenticate and reach one connector; one line, exit 0 when it answers."""
    settings = get_settings()
    try:
        parts = default_parts(settings)
        with parts.client:
            line = build(name, parts).check()
    except BrandloomError as error:
        typer.echo(f"{name}: FAILED {error.user_message}", err=True)
        raise typer.Exit(code=error.exit_code) from None
    typer.echo(f"{name}: ok, {line}")
