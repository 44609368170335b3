"""``brandloom memory ...``: add brand-kit files, query, show stats, reindex, sweep.

Mounted by ``graph/cli/app.py``; also runnable as ``python -m graph.cli.memory``. Writes act as
``--role`` (default ``editor``, the local operator); ``viewer`` can only read. Expected errors
print one plain line on stderr and exit with the error's code (2 bad input, 6 not allowed ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from tools.errors import BrandloomError
from tools.memory import BrandMemory, MemoryKind, MemoryRole, open_memory
from tools.settings import get_settings

app = typer.Typer(help="Brand memory: add files, query, reindex.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
"""Errors go to stderr, so scripts reading stdout never take one for a result."""
T = TypeVar("T")

BrandOption = Annotated[str, typer.Option("--brand", "-b", help="Brand name (its namespace).")]
RoleOption = Annotated[
    str, typer.Option("--role", help="Who is acting: editor, approver or viewer.")
]
_STAGES = {"read": "Reading files", "embed": "Embedding", "store": "Storing"}


@contextmanager
def _memory(role: str = "editor") -> Iterator[BrandMemory]:
    """Open memory, turn expected errors into one red line and exit status 1."""
    memory: BrandMemory | None = None
    try:
        memory = open_memory(get_settings(), role=_role(role))
        yield memory
    except BrandloomError as error:
        errors.print(f"[red]error:[/red] {error.user_message}")
        raise typer.Exit(error.exit_code) from None
    finally:
        if memory is not None:
            memory.close()


def _role(role: str) -> MemoryRole:
    if role not in ("editor", "approver", "viewer"):
        errors.print(f"[red]error:[/red] unknown role {role!r}")
        raise typer.Exit(2)
    return role  # type: ignore[return-value]


def _with_progress(run: Callable[[Callable[[str, int, int], None]], T]) -> T:
    """Run ``run(progress_callback)`` under a rich progress bar, one task per stage."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(_STAGES.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return run(report)


@app.command()
def add(
    files: Annotated[list[Path], typer.Argument(help="Markdown, text, PDF or CSV files.")],
    brand: BrandOption,
    kind: Annotated[str, typer.Option(help="style_rule, fact or past_asset.")] = "fact",
    role: RoleOption = "editor",
) -> None:
    """Add brand-kit files: chunked, de-duplicated, embedded and stored."""
    if kind not in ("style_rule", "fact", "past_asset"):
        errors.print("[red]error:[/red] --kind must be style_rule, fact or past_asset")
        raise typer.Exit(2)
    with _memory(role) as memory:
        report = _with_progress(
            lambda progress: memory.add_files(brand, files, kind=_kind(kind), progress=progress)
        )
    console.print(f"{report.brand}: {report}")


def _kind(kind: str) -> MemoryKind:
    return kind  # type: ignore[return-value]


@app.command()
def query(
    text: Annotated[str, typer.Argument(help="What to look for.")],
    brand: BrandOption,
    top_k: Annotated[int, typer.Option("--top-k", "-k", help="How many items.")] = 5,
) -> None:
    """Show the items a specialist would recall for TEXT."""
    with _memory("viewer") as memory:
        memory.require_brand(brand)
        (items,) = memory.recall(brand, [text], top_k=top_k)
    table = Table("score", "kind", "text", "source", "id")
    for item in items:
        table.add_row(f"{item.score:.3f}", item.kind, item.text[:160], item.source, item.item_id)
    console.print(table)


@app.command()
def stats(brand: BrandOption) -> None:
    """Items per kind and the style rules of a brand."""
    with _memory("viewer") as memory:
        profile = memory.profile(brand)
    table = Table("kind", "items")
    for kind, count in profile.counts.items():
        table.add_row(kind, str(count))
    console.print(f"[bold]{profile.brand}[/bold] (namespace {profile.namespace})")
    console.print(table)
    for rule in profile.style_rules:
        console.print(f"  - {rule[:160]}")


@app.command()
def reindex(
    brand: Annotated[
        str | None, typer.Option("--brand", "-b", help="One brand (default: all).")
    ] = None,
    role: RoleOption = "editor",
) -> None:
    """Re-embed items stored by another embedding model id or version."""
    with _memory(role) as memory:
        count = _with_progress(lambda progress: memory.reindex(brand, progress=progress))
    console.print(f"re-embedded {count} items")


@app.command()
def sweep(
    brand: Annotated[
        str | None, typer.Option("--brand", "-b", help="One brand (default: all).")
    ] = None,
) -> None:
    """Remove expired items now (recall never returns them anyway)."""
    with _memory() as memory:
        memory.sweep_expired(brand)
    console.print("expired items removed")


if __name__ == "__main__":
    app()
