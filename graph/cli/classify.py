"""``brandloom classify``: train the triage heads, classify a text, regenerate the corpus.

Mounted by ``graph/cli/app.py``; also runs alone as ``python -m graph.cli.classify``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from agents.classifiers.artefact import ARTEFACT_DIR
from agents.classifiers.corpus import SEED, generate, write_corpus
from agents.classifiers.train import train_triage
from agents.classifiers.triage import TriageResult, check_texts, load_triage
from tools.errors import BrandloomError, InputError
from tools.settings import get_settings

app = typer.Typer(help="Small-model triage: tone and content-category classifiers.")
console = Console()
errors = Console(stderr=True)


@app.command()
def train(
    output: Annotated[
        Path | None, typer.Option(help="Artefact folder (default: triage_dir or the repo's).")
    ] = None,
    per_pair: Annotated[
        int | None, typer.Option(help="Keep N rows per (split, tone, category): a quick slice.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = SEED,
) -> None:
    """Fit, calibrate and save the tone and category heads (1–2 minutes on 2 idle cores)."""
    directory = output or get_settings().triage_dir or ARTEFACT_DIR
    try:
        result = train_triage(directory, per_pair=per_pair, seed=seed, progress=console.print)
    except BrandloomError as exc:
        _fail(exc)
    console.print(f"saved {', '.join(str(path) for path in result.paths)}")
    console.print(f"trained in {result.report['train_seconds']} s")


@app.command()
def predict(
    text: Annotated[str | None, typer.Argument(help="Text to classify.")] = None,
    file: Annotated[Path | None, typer.Option(help="Read the text from a UTF-8 file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the tone and category of TEXT (or --file) with calibrated confidences."""
    try:
        content = _read_input(text, file)
        check_texts([content])  # before the model loads: bad input is refused at once
        result = load_triage(get_settings()).classify([content])[0]
    except BrandloomError as exc:
        _fail(exc)
    if as_json:
        console.print_json(json.dumps(result.model_dump()))
    else:
        console.print(_table(result))


@app.command()
def corpus() -> None:
    """Regenerate the labelled corpus JSONL files from the template banks (fixed seed)."""
    counts = write_corpus(generate())
    console.print(", ".join(f"{name}: {count} rows" for name, count in counts.items()))


def _read_input(text: str | None, file: Path | None) -> str:
    if (text is None) == (file is None):
        raise InputError("give either TEXT or --file PATH")
    if file is None:
        assert text is not None
        return text
    try:
        return file.read_bytes().decode("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{file} is not UTF-8 text (byte {exc.start} does not decode)") from exc


def _table(result: TriageResult) -> Table:
    table = Table("task", "label", "confidence")
    for task, prediction in (("tone", result.tone), ("category", result.category)):
        label = prediction.label or f"unknown (best guess: {prediction.candidate})"
        table.add_row(task, label, f"{prediction.confidence:.2f}")
    if result.truncated:
        table.caption = "long text: only its beginning was read (the encoder's 256 tokens)"
    return table


def _fail(exc: BrandloomError) -> NoReturn:
    errors.print(f"error: {exc.user_message}")
    raise typer.Exit(code=exc.exit_code)


if __name__ == "__main__":
    app()
