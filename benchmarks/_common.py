"""What the benchmarks share: timing loops, summaries, workbenches, ``--json`` output (and the demo launcher).

Imported as ``_common`` by the scripts in this folder (``python benchmarks/<script>.py`` puts the
folder on ``sys.path``); it also puts the checkout on ``sys.path`` so ``mcp_workbench`` imports
from it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout
    sys.path.insert(0, str(ROOT))

from mcp_workbench import Workbench  # noqa: E402
from mcp_workbench.demo.launch import DEMO_ARGS, demo_server  # noqa: E402,F401 (re-exported)

ARGS = {"a": 1, "b": 2}


def workbench(store: str, tmp: Path, name: str) -> Workbench:
    """A Workbench as a user gets it: with its SQLite catalog (in a temporary directory, not
    the user's home), or with ``--store memory`` none at all."""
    if store == "memory":
        return Workbench(idle_timeout=None, store=False)
    return Workbench(idle_timeout=None, store=tmp / f"{name}.sqlite")


def with_workbench(store: str, tmp: Path, name: str, work: Callable[[Workbench], dict[str, Any]]) -> dict[str, Any]:
    """``work(wb)``'s figures with a workbench of its own, the CPU count and the load average around them."""
    wb = workbench(store, tmp, name)
    results: dict[str, Any] = {"load_before": load_average(), "cpus": os.cpu_count()}
    try:
        results.update(work(wb))
    finally:
        close(wb)
    results["load_after"] = load_average()
    return results


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """``--store`` (the workbench's catalog) and ``--json``, as every script here takes them."""
    parser.add_argument("--store", choices=["sqlite", "memory"], default="sqlite",
                        help="the workbench's catalog: SQLite in a temporary directory (default) or none")  # fmt: skip
    parser.add_argument("--json", metavar="PATH", help="also write the numbers to PATH as JSON")


def print_report(name: str, lines: list[str], results: dict[str, Any], json_path: str | None) -> None:
    """Print the report; with ``--json``, write the numbers there too."""
    print("\n".join(lines))
    write_json(json_path, name, results)


def close(wb: Workbench) -> None:
    """Close every connection, then the catalog (its writer thread and its file)."""
    wb.close()
    if wb.catalog_sync is not None:
        wb.catalog_sync.close()


def check(text: str) -> None:
    if text != "3":
        raise AssertionError(f"demo.add(1, 2) answered {text!r}")


def raw_text(result: Any) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


async def timed_async(call: Callable[[], Awaitable[Any]], n: int, out: list[float]) -> None:
    clock = time.perf_counter
    for _ in range(n):
        t0 = clock()
        await call()
        out.append((clock() - t0) * 1000)


def timed_sync(call: Callable[[], Any], n: int, out: list[float]) -> None:
    clock = time.perf_counter
    for _ in range(n):
        t0 = clock()
        call()
        out.append((clock() - t0) * 1000)


async def interleaved(
    run: Callable[[str, int, list[float]], Awaitable[None]], kinds: list[str], n: int, rounds: int, warmup: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """``warmup`` untimed calls per client, then ``rounds`` rounds of N/rounds timed calls per
    client in a rotating order (machine noise hits every client evenly); ``run(kind, count, out)``
    makes ``count`` calls and appends their times. Returns every sample and each round's median."""
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    per_round: dict[str, list[float]] = {kind: [] for kind in kinds}
    for kind in kinds:
        await run(kind, warmup, [])
    sizes = [n // rounds + (1 if i < n % rounds else 0) for i in range(rounds)]
    for i, size in enumerate(sizes):
        for kind in kinds[i % len(kinds) :] + kinds[: i % len(kinds)]:  # rotate who goes first
            block: list[float] = []
            await run(kind, size, block)
            samples[kind].extend(block)
            per_round[kind].append(statistics.median(block))
    return samples, per_round


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(samples),
        "median_ms": statistics.median(ordered),
        "p10_ms": ordered[int(0.10 * (len(ordered) - 1))],
        "p90_ms": ordered[int(0.90 * (len(ordered) - 1))],
        "mean_ms": statistics.fmean(ordered),
    }


def write_json(path: str | None, benchmark: str, results: dict[str, Any]) -> None:
    """``--json PATH``: the numbers as JSON, named by ``benchmark`` (nothing without a path)."""
    if path:
        Path(path).write_text(json.dumps({"benchmark": benchmark, **results}, indent=2, default=str) + "\n")


def load_average() -> str:
    """The 1-minute load average (other work on the machine skews every figure)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "n/a"
