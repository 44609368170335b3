"""``brandloom``: run and resume campaigns from the terminal; brand memory and classifiers.

``brandloom run --brief "..." | --brief-file F [--auto-approve] [--thread-id T] [--budget USD]``
answers every gate on the terminal unless ``--auto-approve``; ``brandloom resume THREAD_ID``
continues a paused or interrupted campaign. Ctrl-C once pauses at the next step boundary;
``brandloom stop THREAD_ID`` does the same from another terminal (or for a chat's run).
``brandloom assets list|history`` and ``brandloom kpis`` read the content store
(``graph.cli.store``).

Every argument (role, id, budget, brief and its products) is checked before any model loads or
anything is saved. Expected failures print one line on stderr, never a traceback (``--debug``
shows one), and every command exits with a code from ``graph.cli.exit_codes.ExitCode``; ``--json``
prints the outcome and the same code as one JSON object on stdout.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
import time
import traceback
import uuid
import warnings
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from graph.checkpoint import open_savers
from graph.cli.display import LiveProgress, summary_table
from graph.cli.exit_codes import ExitCode, error_code, error_json, outcome_code, outcome_json
from graph.cli.plugins import mount_subcommands
from graph.cli.prompts import ask, auto_decision
from graph.cli.store import kpis as kpis_command
from graph.cli.worker import worker as worker_command
from graph.gates import ReviewDecision
from graph.planning.checks import BriefLimits, checked_brief
from graph.service.campaigns import CampaignService, checked_thread_id, require_role
from graph.service.views import RunOutcome
from tools.errors import BrandloomError, CampaignBusy, InputError, PermissionDenied
from tools.redis_server import EmbeddedRedis, redis_unreachable
from tools.roles import Permission, Role, role_allows
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
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the outcome and exit code as JSON on stdout.")
]
RoleOption = Annotated[str, typer.Option("--role", help="viewer, editor or approver.")]
AutoApproveOption = Annotated[
    bool, typer.Option("--auto-approve", help="Approve every gate (approvers only).")
]


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


def _checked_role(role: str, auto_approve: bool, permission: Permission) -> Role:
    """The CLI's role, refused before anything loads: unknown, not allowed to ``permission``,
    or ``--auto-approve`` without the approver role (auto-approve publishes)."""
    known = require_role(role, permission)
    if auto_approve and not role_allows(known, "publish"):
        raise PermissionDenied(f"--auto-approve publishes: it needs --role approver, not {known}")
    return known


def _use_json(as_json: bool) -> None:
    """``--json``: stdout carries only the JSON report; progress and tables go to stderr."""
    if as_json:
        console.file = sys.__stderr__  # type: ignore[assignment]


async def _drive(
    service: CampaignService, thread_id: str, first: RunOutcome | None, auto_approve: bool,
    user: str, role: Role, progress: LiveProgress,
) -> RunOutcome:  # fmt: skip
    """Answer gates until the campaign is done or paused."""
    outcome = first
    retried: set[str] = set()
    while outcome is not None and outcome.status == "gate" and outcome.gate is not None:
        gate = outcome.gate
        if gate.gate == "publish" and not role_allows(role, "publish"):
            console.print("[yellow]only an approver can publish: stopping here[/yellow]")
            break
        if auto_approve:
            decision = auto_decision(gate, user, role, retried)
        else:
            progress.__exit__(None, None, None)
            decision = ask(console, gate, user, role)
            progress.__enter__()
        if decision is None:
            break
        said = "decisions" if isinstance(decision, ReviewDecision) else decision.action
        console.print(f"[dim]{gate.gate} gate: {said}[/dim]")
        outcome = await _when_free(
            partial(service.resume, thread_id, decision, on_event=progress.on_event, role=role)
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
    user: str, role: Role, as_json: bool = False,
) -> int:  # fmt: skip
    _quiet_loop()
    service = _open_service()
    started = time.monotonic()
    _install_stop(service, thread_id)
    with LiveProgress(console) as progress:
        if brief_text is not None:
            console.print(f"campaign [bold]{thread_id}[/bold] started")
            first = await service.start(
                thread_id, brief_text, user, progress.on_event, budget_usd=budget, role=role
            )
        else:
            first = await _first_resume(service, thread_id, progress, role)
        outcome = await _drive(service, thread_id, first, auto_approve, user, role, progress)
    view = service.view(thread_id)
    console.print(summary_table(view, time.monotonic() - started))
    code = _report(outcome, outcome_code(outcome, view))
    if as_json:
        print(outcome_json(outcome, view, code), file=sys.__stdout__, flush=True)
    await service.aclose()
    return int(code)


async def _first_resume(
    service: CampaignService, thread_id: str, progress: LiveProgress, role: Role
) -> RunOutcome:
    view = service.view(thread_id)
    if view.status == "paused":
        return await _when_free(
            lambda: service.resume(thread_id, None, on_event=progress.on_event, role=role)
        )
    return RunOutcome(thread_id=thread_id, status=view.status, phase=view.phase, gate=view.gate,
                      stop_reason=view.stop_reason)  # fmt: skip


async def _when_free(run: Callable[[], Awaitable[RunOutcome]]) -> RunOutcome:
    """Run, waiting up to the lease TTL (plus a margin) for the lease of a run that may still
    be alive (on another host, or a live process here) to expire; a crashed run on this host
    has its lease taken over at once by the lease itself. Says once how long it waits."""
    wait = get_settings().checkpoint_lease_seconds + LEASE_WAIT_MARGIN_SECONDS
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            return await run()
        except CampaignBusy as busy:
            if time.monotonic() > deadline:
                raise
            if not told:
                expires = f" (it expires in {busy.expires_in_s:.0f}s)" if busy.expires_in_s else ""
                console.print(
                    f"[dim]campaign busy: another run holds its lease{expires}; waiting...[/dim]"
                )
                told = True
            await asyncio.sleep(1.0)


def _report(outcome: RunOutcome, code: ExitCode) -> ExitCode:
    if outcome.stop_reason:
        console.print(f"[yellow]{outcome.stop_reason}[/yellow]")
    if code == ExitCode.PROVIDER:
        console.print("[red]nothing was published: every model call failed (provider errors); "
                      f"`brandloom resume {outcome.thread_id}` retries[/red]")  # fmt: skip
    if outcome.status == "paused":
        console.print(f"paused: continue with `brandloom resume {outcome.thread_id}`")
    elif outcome.status == "gate":
        console.print(f"waiting at the {outcome.gate.gate if outcome.gate else ''} gate: "
                      f"`brandloom resume {outcome.thread_id}`")  # fmt: skip
    return code


def _quiet_loop() -> None:
    """Without ``--debug``, a failure is the one line ``main`` prints: background tasks that
    die with the store (lease renewals, stop polls) must not add warnings or tracebacks."""
    if not _DEBUG[0]:
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: None)


@app.command()
def run(
    brief: Annotated[str | None, typer.Option("--brief", help="The brief as text.")] = None,
    brief_file: Annotated[
        Path | None, typer.Option("--brief-file", help="A markdown brief.")
    ] = None,
    products_file: Annotated[
        Path | None, typer.Option("--products-file", help="Product CSV.")
    ] = None,
    auto_approve: AutoApproveOption = False,
    thread_id: Annotated[str | None, typer.Option("--thread-id", help="Campaign id.")] = None,
    budget: Annotated[float | None, typer.Option("--budget", help="Spend cap in USD.")] = None,
    user: Annotated[str, typer.Option("--user", help="Who decides at gates.")] = "cli",
    role: RoleOption = "approver",
    as_json: JsonOption = False,
) -> None:
    """Plan and run a new campaign."""
    _use_json(as_json)
    checked = _checked_role(role, auto_approve, "commission")
    campaign = checked_thread_id(thread_id or f"cli-{uuid.uuid4().hex[:8]}")
    text = _read_brief(brief, brief_file, products_file)
    checked_brief(text, BriefLimits.from_settings(get_settings()), budget)  # before any model
    code = asyncio.run(_run_campaign(campaign, text, auto_approve, budget, user, checked, as_json))
    raise typer.Exit(code)


@app.command()
def resume(
    thread_id: Annotated[str, typer.Argument(help="The campaign to continue.")],
    auto_approve: AutoApproveOption = False,
    user: Annotated[str, typer.Option("--user", help="Who decides at gates.")] = "cli",
    role: RoleOption = "approver",
    as_json: JsonOption = False,
) -> None:
    """Continue a paused or interrupted campaign."""
    _use_json(as_json)
    checked = _checked_role(role, auto_approve, "edit")
    campaign = checked_thread_id(thread_id)
    code = asyncio.run(_run_campaign(campaign, None, auto_approve, None, user, checked, as_json))
    raise typer.Exit(code)


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
    from graph.service.workers.pool import stop_local_pool

    settings = get_settings()
    if stop_local_pool(settings):
        console.print(f"stopped the worker pool of {settings.data_dir}")
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
    from graph.cli.doctor import examine

    findings = examine(get_settings(), load_models=not quick)
    width = max(len(finding.part) for finding in findings)
    for finding in findings:
        mark = "[green]ok[/green]  " if finding.ok else "[red]FAIL[/red]"
        line = f"{mark} {finding.part.ljust(width)}  {finding.detail}"
        console.print(line, highlight=False, soft_wrap=True)  # paths stay whole, never wrapped
    failed = [finding for finding in findings if not finding.ok]
    for finding in failed:
        print(f"error: {finding.part.strip()}: {finding.problem}", file=sys.stderr)
    raise typer.Exit(1 if failed else 0)


app.command("kpis")(kpis_command)
app.command("worker")(worker_command)

_DEBUG = [False]
"""``--debug`` (anywhere on the command line): show tracebacks and background warnings."""


def main(argv: list[str] | None = None) -> int:
    """Entry point: one clear line and a documented exit code for every expected failure."""
    args = list(sys.argv[1:] if argv is None else argv)
    _DEBUG[0] = "--debug" in args
    args = [arg for arg in args if arg != "--debug"]
    as_json = "--json" in args
    if not _DEBUG[0]:
        _silence_background_noise()
    try:
        mount_subcommands(app, args)
        code = app(args=args, standalone_mode=False)
    except typer.Exit as done:
        return int(done.exit_code or 0)
    except (typer.Abort, KeyboardInterrupt):
        print("aborted: `brandloom resume THREAD_ID` continues the campaign", file=sys.stderr)
        return int(ExitCode.ABORTED)
    except typer.TyperException as error:  # usage errors: bad option, missing value ...
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        return _fail(message, ExitCode.BAD_INPUT, as_json)
    except BrandloomError as error:
        known = redis_unreachable(error) or error
        return _fail(known.user_message, error_code(known), as_json)
    except Exception as error:  # a store's client error that escaped its wrapper, or a bug
        if _DEBUG[0]:
            traceback.print_exc()
        unreachable = redis_unreachable(error)
        if unreachable is not None:
            return _fail(unreachable.user_message, ExitCode.UNAVAILABLE, as_json)
        message = (f"unexpected {type(error).__name__}: {str(error)[:200]} (a bug; "
                   "`brandloom --debug ...` shows the traceback)")  # fmt: skip
        return _fail(message, ExitCode.FAILED, as_json)
    return int(code or 0)


def _fail(message: str, code: ExitCode, as_json: bool) -> int:
    print(f"error: {message}", file=sys.stderr)
    if as_json:
        print(error_json(message, code), file=sys.__stdout__, flush=True)
    return int(code)


def _silence_background_noise() -> None:
    """Warnings, library logs and "exception ignored" reports of objects torn down with a
    dead store would bury the one-line error; ``--debug`` keeps them."""
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    sys.unraisablehook = lambda unraisable: None
    threading.excepthook = lambda args: None


if __name__ == "__main__":
    sys.exit(main())
