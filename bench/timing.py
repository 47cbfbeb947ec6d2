"""Timing helpers shared by the bench scripts, and how they save their results
(imported as a sibling module: ``python bench/<script>.py`` puts ``bench/`` on
``sys.path``)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def sync(device: torch.device) -> None:
    """Wait for the device's queued work (a no-op on the CPU), so that a wall
    clock read after it covers that work."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def median_seconds(
    fn: Callable[[], object], repeats: int, device: torch.device, warmup: int = 1
) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls after ``warmup``
    calls, each synchronised with ``device``."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        sync(device)
        began = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


class Phases:
    """Per-phase wall times of a repeated step: ``with phases("ot"): ...`` adds
    the phase's seconds (synchronised with ``device``) to the current row;
    :meth:`next_row` starts a new step; :meth:`medians` summarises."""

    def __init__(self, device: torch.device):
        self.device = device
        self.rows: list[dict[str, float]] = [{}]

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        sync(self.device)
        began = time.perf_counter()
        yield
        sync(self.device)
        row = self.rows[-1]
        row[name] = row.get(name, 0.0) + time.perf_counter() - began

    def next_row(self) -> None:
        self.rows.append({})

    def medians(self, skip: int = 0) -> dict[str, float]:
        """Median per phase over the rows after the first ``skip`` (warm-up),
        with ``step``: the median of each row's total."""
        rows = [r for r in self.rows[skip:] if r]
        out = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        out["step"] = statistics.median(sum(r.values()) for r in rows)
        return out


def interleaved_medians(
    peers: dict[str, Callable[[], object]],
    repeats: int,
    device: torch.device,
    warmup: int = 0,
) -> tuple[dict[str, float], dict[str, object]]:
    """Time peers turn by turn (A, B, A, B, ...), so that a slower or busier
    moment of the machine falls on both: the median seconds of each, and each
    one's last result (to compare their outputs)."""
    times: dict[str, list[float]] = {name: [] for name in peers}
    last: dict[str, object] = {}
    for _ in range(warmup):
        for fn in peers.values():
            fn()
    for _ in range(repeats):
        for name, fn in peers.items():
            sync(device)
            began = time.perf_counter()
            last[name] = fn()
            sync(device)
            times[name].append(time.perf_counter() - began)
    return {name: statistics.median(t) for name, t in times.items()}, last


def write_json(result: object, out: Path) -> None:
    """Write a bench's result to ``out`` (its folder created) and print it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


def fresh_process(
    code: str, *args: str, env: dict[str, str] | None = None
) -> tuple[float, str]:
    """Run ``code`` in a fresh Python (``python -c code args``) from the
    checkout, with ``src/`` on its path, as Snakemake starts a job: its wall
    seconds and its stdout (stderr discarded; a failure raises)."""
    seconds, outputs = fresh_processes(code, [list(args)], env=env)
    return seconds, outputs[0]


def fresh_processes(
    code: str, arg_lists: list[list[str]], env: dict[str, str] | None = None
) -> tuple[float, list[str]]:
    """Run ``code`` in one fresh Python per entry of ``arg_lists``, all at once
    (as Snakemake runs jobs side by side; see :func:`fresh_process`): the wall
    seconds until the last one ends, and each one's stdout. Each is read after
    the earlier ones end, so a job must print less than a pipe holds (64 KiB
    on Linux): the encoding jobs print one line."""
    began = time.perf_counter()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={
                "PYTHONPATH": str(ROOT / "src"),
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                **(env or {}),
            },
        )
        for args in arg_lists
    ]
    outputs = [process.communicate()[0] for process in processes]
    seconds = time.perf_counter() - began
    for process, args in zip(processes, arg_lists, strict=True):
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, args)
    return seconds, outputs
