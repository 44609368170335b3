"""``brandloom``: run and resume campaigns from the terminal; brand memory and classifiers.

``brandloom run --brief "..." | --brief-file F [--auto-approve] [--thread-id T] [--budget USD]``
answers every gate on the terminal unless ``--auto-approve``; ``brandloom resume THREAD_ID``
continues a paused or interrupted campaign. Ctrl-C once pauses at the next step boundary;
``brandloom stop THREAD_ID`` does the same from another terminal (or for a chat's run).
Expected failures print one line on stderr and exit non-zero, never a traceback.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from graph.brief import parse_brief
from graph.checkpoint import open_savers
from graph.cli_display import LiveProgress, summary_table
from graph.cli_plugins import mount_subcommands
from graph.cli_prompts import ask, auto_decision
from graph.service import CampaignService, checked_thread_id
from graph.views import RunOutcome
from tools.errors import BrandloomError, CampaignBusy, InputError
from tools.redis_server import EmbeddedRedis
from tools.settings import get_settings

app = typer.Typer(
    name="brandloom",
    help="Plan, write, review and publish content campaigns with specialist agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(file=sys.__stdout__)
"""Bound to the process's real stdout: llama.cpp swaps ``sys.stdout`` while it loads a model."""
LEASE_WAIT_MARGIN_SECONDS = 10.0
"""``resume`` waits the lease TTL plus this for the lease of a crashed run to expire."""


def _read_brief(brief: str | None, brief_file: Path | None, products_file: Path | None) -> str:
    if (brief is None) == (brief_file is None):
        raise InputError("give exactly one of --brief TEXT or --brief-file FILE")
    text = brief if brief is not None else _read_file(brief_file, "brief file")
    if products_file is not None:
        text += "\n\n## Products\n" + _read_file(products_file, "products file")
    return text


def _read_file(path: Path | None, what: str) -> str:
    assert path is not None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(
            f"cannot read {what} {path}: {getattr(error, 'strerror', None) or error}"
        ) from None


def _open_service() -> CampaignService:
    return CampaignService.open(get_settings())


async def _drive(
    service: CampaignService, thread_id: str, first: RunOutcome | None, auto_approve: bool,
    user: str, role: str, progress: LiveProgress,
) -> RunOutcome:  # fmt: skip
    """Answer gates until the campaign is done or paused."""
    outcome = first
    retried: set[str] = set()
    while outcome is not None and outcome.status == "gate" and outcome.gate is not None:
        gate = outcome.gate
        if auto_approve:
            decision = auto_decision(gate, user, retried)
        else:
            progress.__exit__(None, None, None)
            decision = ask(console, gate, user, role)
            progress.__enter__()
        if decision is None:
            break
        console.print(f"[dim]{gate.gate} gate: {decision.get('action', 'decisions')}[/dim]")
        outcome = await _when_free(
            partial(service.resume, thread_id, decision, on_event=progress.on_event)
        )
    assert outcome is not None
    return outcome


def _install_stop(service: CampaignService, thread_id: str) -> None:
    loop = asyncio.get_running_loop()

    def stop() -> None:
        if service.request_stop(thread_id):
            console.print("[yellow]stopping at the next step boundary...[/yellow]")
        loop.remove_signal_handler(signal.SIGINT)

    loop.add_signal_handler(signal.SIGINT, stop)


async def _run_campaign(
    thread_id: str, brief_text: str | None, auto_approve: bool, budget: float | None,
    user: str, role: str,
) -> int:  # fmt: skip
    service = _open_service()
    started = time.monotonic()
    _install_stop(service, thread_id)
    with LiveProgress(console) as progress:
        if brief_text is not None:
            console.print(f"campaign [bold]{thread_id}[/bold] started")
            first = await service.start(
                thread_id, brief_text, user, progress.on_event, budget_usd=budget
            )
        else:
            first = await _first_resume(service, thread_id, progress)
        outcome = await _drive(service, thread_id, first, auto_approve, user, role, progress)
    console.print(summary_table(service.view(thread_id), time.monotonic() - started))
    return _report(outcome)


async def _first_resume(
    service: CampaignService, thread_id: str, progress: LiveProgress
) -> RunOutcome:
    view = service.view(thread_id)
    if view.status == "paused":
        return await _when_free(lambda: service.resume(thread_id, None, on_event=progress.on_event))
    return RunOutcome(thread_id=thread_id, status=view.status, phase=view.phase, gate=view.gate,
                      stop_reason=view.stop_reason)  # fmt: skip


async def _when_free(run: Callable[[], Awaitable[RunOutcome]]) -> RunOutcome:
    """Run, waiting up to the lease TTL (plus a margin) for a crashed run's lease to expire."""
    wait = get_settings().checkpoint_lease_seconds + LEASE_WAIT_MARGIN_SECONDS
    deadline = time.monotonic() + wait
    while True:
        try:
            return await run()
        except CampaignBusy:
            if time.monotonic() > deadline:
                raise
            console.print("[dim]campaign busy: waiting for the previous run's lease...[/dim]")
            await asyncio.sleep(1.0)


def _report(outcome: RunOutcome) -> int:
    if outcome.stop_reason:
        console.print(f"[yellow]{outcome.stop_reason}[/yellow]")
    if outcome.status == "paused":
        console.print(f"paused: continue with `brandloom resume {outcome.thread_id}`")
    elif outcome.status == "gate":
        console.print(f"waiting at the {outcome.gate.gate if outcome.gate else ''} gate: "
                      f"`brandloom resume {outcome.thread_id}`")  # fmt: skip
    return 1 if outcome.phase == "failed" else 0


@app.command()
def run(
    brief: Annotated[str | None, typer.Option("--brief", help="The brief as text.")] = None,
    brief_file: Annotated[
        Path | None, typer.Option("--brief-file", help="A markdown brief.")
    ] = None,
    products_file: Annotated[
        Path | None, typer.Option("--products-file", help="Product CSV.")
    ] = None,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Approve every gate.")
    ] = False,
    thread_id: Annotated[str | None, typer.Option("--thread-id", help="Campaign id.")] = None,
    budget: Annotated[float | None, typer.Option("--budget", help="Spend cap in USD.")] = None,
    user: Annotated[str, typer.Option("--user", help="Who decides at gates.")] = "cli",
    role: Annotated[str, typer.Option("--role", help="viewer, editor or approver.")] = "approver",
) -> None:
    """Plan and run a new campaign."""
    text = _read_brief(brief, brief_file, products_file)
    parse_brief(text, max_chars=get_settings().brief_max_chars)  # fail fast, before loading models
    campaign = thread_id or f"cli-{uuid.uuid4().hex[:8]}"
    raise typer.Exit(asyncio.run(_run_campaign(campaign, text, auto_approve, budget, user, role)))


@app.command()
def resume(
    thread_id: Annotated[str, typer.Argument(help="The campaign to continue.")],
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Approve every gate.")
    ] = False,
    user: Annotated[str, typer.Option("--user", help="Who decides at gates.")] = "cli",
    role: Annotated[str, typer.Option("--role", help="viewer, editor or approver.")] = "approver",
) -> None:
    """Continue a paused or interrupted campaign."""
    raise typer.Exit(asyncio.run(_run_campaign(thread_id, None, auto_approve, None, user, role)))


@app.command()
def stop(
    thread_id: Annotated[str, typer.Argument(help="The running campaign to pause.")],
) -> None:
    """Pause a campaign running anywhere (a chat, another terminal) at its next step boundary."""
    raise typer.Exit(asyncio.run(_stop(checked_thread_id(thread_id))))


async def _stop(thread_id: str) -> int:
    _, saver = open_savers(get_settings())
    try:
        if not await saver.stop_requests().request(thread_id):
            raise InputError(f"campaign {thread_id} is not running")
    finally:
        await saver.aclose()
        await saver.client.aclose()
    console.print(f"asked campaign [bold]{thread_id}[/bold] to stop at the next step boundary")
    return 0


@app.command()
def shutdown() -> None:
    """Stop the embedded Redis this data dir runs (it outlives the app for the CLI and chat)."""
    settings = get_settings()
    if settings.redis_url:
        console.print("nothing to stop: REDIS_URL names an external Redis")
        return
    server = EmbeddedRedis(settings.redis_dir)
    if not server.is_up():
        console.print(f"no embedded Redis runs for {settings.data_dir}")
        return
    server.stop()
    console.print(f"stopped the embedded Redis of {settings.data_dir}")


@app.command()
def doctor(
    quick: Annotated[
        bool, typer.Option("--quick", help="Do not load local model weights.")
    ] = False,
) -> None:
    """Show the resolved data dir, Redis, models, memory and connectors; exit 1 if any fails."""
    from graph.doctor import examine

    findings = examine(get_settings(), load_models=not quick)
    width = max(len(finding.part) for finding in findings)
    for finding in findings:
        mark = "[green]ok[/green]  " if finding.ok else "[red]FAIL[/red]"
        console.print(f"{mark} {finding.part.ljust(width)}  {finding.detail}", highlight=False)
    failed = [finding for finding in findings if not finding.ok]
    for finding in failed:
        print(f"error: {finding.part.strip()}: {finding.problem}", file=sys.stderr)
    raise typer.Exit(1 if failed else 0)


def main(argv: list[str] | None = None) -> int:
    """Entry point: one clear line and a non-zero exit for every expected failure."""
    args = sys.argv[1:] if argv is None else argv
    try:
        mount_subcommands(app, args)
        code = app(args=args, standalone_mode=False)
    except typer.Exit as done:
        return int(done.exit_code or 0)
    except (typer.Abort, KeyboardInterrupt):
        print("aborted: `brandloom resume THREAD_ID` continues the campaign", file=sys.stderr)
        return 130
    except typer.TyperException as error:  # usage errors: bad option, missing value ...
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        print(f"error: {message}", file=sys.stderr)
        return 2
    except BrandloomError as error:
        print(f"error: {error.user_message}", file=sys.stderr)
        return 1
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
