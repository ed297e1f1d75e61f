"""``wb.map`` against ``asyncio.gather`` over one raw ``mcp.Client``: the same calls, the same concurrency.

    python benchmarks/map.py [--rows 1000] [--concurrency 32] [--sleep 0.02] [--repeats 4]
                             [--store sqlite|memory] [--json PATH]

Tool ``demo.slow`` with ``steps=1`` (it sleeps ``seconds`` and sends one log message); the rows'
``seconds`` cycle through 0.75x, 1x and 1.25x of ``--sleep`` (20 ms on average), so the answers
differ and their order can be checked. Both clients start the same stdio demo server
(``python -m mcp_workbench.demo``), one process each, and run in one process, alternating
``--repeats`` times (after one warm-up each):

- raw: ``asyncio.gather`` of one ``call_tool`` per row, at most ``--concurrency`` at once (an
  ``asyncio.Semaphore``), on this process's loop. The client asks for log level ``info``, as the
  workbench's connections do, so both receive the same messages.
- workbench: ``wb.map("demo.slow", df, constants={"steps": 1}, concurrency=...)`` with its
  progress line shown: it runs in an IPython shell whose display output is captured, where the
  line is painted as in a notebook; its rows are checked against the input, in order.

Figures: throughput (rows / wall second) of each, the ratio of the median throughputs workbench /
raw (target >= 0.9; the order alternates, so use an even ``--repeats``: on a shared machine the
run that comes second in a pair is often the slower, whichever client it is), and this
process's CPU time per row (the servers are other processes).
On a small machine both are bound by CPU: every call costs the server and the client their
JSON-RPC work, so neither can finish faster than rows x (server + client CPU per call) / cores.
``peers.py`` runs ``run`` and prints ``report_lines`` and ``summary_rows``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import DEMO_ARGS, ROOT, add_output_options, print_report, with_workbench
from mcp import Client, StdioServerParameters

from mcp_workbench import Workbench

TARGET_MAP_RATIO = 0.9
_SPREAD = (0.75, 1.0, 1.25)
_SETTLE_S = 0.5


def _seconds(rows: int, sleep: float) -> list[float]:
    return [round(sleep * _SPREAD[i % len(_SPREAD)], 6) for i in range(rows)]


def _expected(seconds: float) -> str:
    return f"done after {seconds}s"


async def _gather(client: Client, seconds: list[float], concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(value: float) -> None:
        async with gate:
            result = await client.call_tool("slow", {"seconds": value, "steps": 1})
        text = "".join(getattr(block, "text", "") for block in result.content)
        if result.is_error or text != _expected(value):
            raise AssertionError(f"slow(seconds={value}) answered {text!r}")

    await asyncio.gather(*(one(value) for value in seconds))


def _map(wb: Workbench, name: str, seconds: list[float], concurrency: int) -> bool:
    """One ``wb.map`` with its progress line painted into captured output (as in a notebook);
    checks every row, in order; True when the line was shown (a map longer than ~0.2 s)."""
    import pandas as pd
    from IPython.utils.capture import capture_output

    frame = pd.DataFrame({"seconds": seconds}, index=pd.RangeIndex(len(seconds)) * 10)  # the map keeps the index
    with capture_output(display=True) as captured:
        out = wb.map(f"{name}.slow", frame, constants={"steps": 1}, concurrency=concurrency, progress=True)
    if list(out.index) != list(frame.index) or int(out["is_error"].sum()):
        raise AssertionError(f"wb.map lost or reordered rows, or some failed:\n{out}")
    wrong = [i for i, (value, text) in enumerate(zip(seconds, out["text"], strict=True)) if text != _expected(value)]
    if wrong:
        raise AssertionError(f"wb.map rows out of order, e.g. row {wrong[0]}: {out['text'].iloc[wrong[0]]!r}")
    return bool(captured.outputs)


async def bench(wb: Workbench, rows: int, concurrency: int, sleep: float, repeats: int) -> dict[str, Any]:
    """Alternating runs of the raw gather and ``wb.map``, ``repeats`` each after one warm-up each."""
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.instance()  # wb.map finds it (get_ipython) and shows its progress line there
    params = StdioServerParameters(command=sys.executable, args=DEMO_ARGS, cwd=ROOT)
    wb.connect("mapped", command=sys.executable, args=DEMO_ARGS, cwd=str(ROOT))
    seconds = _seconds(rows, sleep)
    samples: dict[str, list[tuple[float, float]]] = {"raw gather": [], "wb.map": []}
    shown = False
    try:
        async with Client(params, cache=None, log_level="info") as raw:
            await _gather(raw, seconds[: min(rows, 100)], concurrency)  # warm-up: first-touch costs
            _map(wb, "mapped", seconds[: min(rows, 100)], concurrency)
            for i in range(repeats):
                for kind in (("raw gather", "wb.map") if i % 2 == 0 else ("wb.map", "raw gather")):
                    await asyncio.sleep(_SETTLE_S)  # the previous run's stragglers (its server, our writer) finish first
                    wall, cpu = time.perf_counter(), time.process_time()
                    if kind == "raw gather":
                        await _gather(raw, seconds, concurrency)
                    else:
                        shown = _map(wb, "mapped", seconds, concurrency) or shown
                    samples[kind].append((time.perf_counter() - wall, time.process_time() - cpu))
    finally:
        wb.disconnect("mapped")
    out: dict[str, Any] = {"rows": rows, "concurrency": concurrency, "sleep_s": sleep, "repeats": repeats,
                           "progress_shown": shown}  # fmt: skip
    for kind, values in samples.items():
        out[kind] = {"wall_s": [round(w, 3) for w, _ in values], "rows_per_s": statistics.median(rows / w for w, _ in values),
                     "cpu_ms_per_row": statistics.median(c * 1000 / rows for _, c in values)}  # fmt: skip
    ratios = [r_wall / m_wall for (m_wall, _), (r_wall, _) in zip(samples["wb.map"], samples["raw gather"], strict=True)]
    out["ratios"] = [round(r, 3) for r in ratios]  # per pair; whichever runs second in a pair tends to lose
    out["ratio"] = out["wb.map"]["rows_per_s"] / out["raw gather"]["rows_per_s"]  # medians of balanced orders
    return out


def run(store: str, tmp: Path, *, rows: int, concurrency: int, sleep: float, repeats: int) -> dict[str, Any]:
    """``bench`` with a workbench of its own; the load average around it."""
    return with_workbench(store, tmp, "map", lambda wb: asyncio.run(bench(wb, rows, concurrency, sleep, repeats)))


def report_lines(results: dict[str, Any]) -> list[str]:
    lines = [
        f"wb.map vs asyncio.gather over one raw mcp.Client: {results['rows']} calls of demo slow(~{results['sleep_s'] * 1000:.0f} "
        f"ms, steps=1), concurrency {results['concurrency']}, {results['repeats']} alternating runs each "
        f"({results['cpus']} CPUs, load average {results['load_before']} -> {results['load_after']})",
        f"  {'client':<34} {'rows/s':>8} {'CPU ms/row':>11}  wall s",
    ]
    for kind in ("raw gather", "wb.map"):
        s = results[kind]
        lines.append(f"  {kind:<34} {s['rows_per_s']:>8.1f} {s['cpu_ms_per_row']:>11.3f}  {s['wall_s']}")
    lines.append(f"  throughput wb.map / raw gather (medians): {results['ratio']:.2f}x (per pair {results['ratios']}; target >= "
                 f"{TARGET_MAP_RATIO:.1f}x) -> {'PASS' if results['ratio'] >= TARGET_MAP_RATIO else 'FAIL'}; progress line "
                 f"{'shown' if results['progress_shown'] else 'NOT shown'}, rows in order")  # fmt: skip
    return lines


def summary_rows(results: dict[str, Any]) -> list[tuple[str, float, str, bool]]:
    """(figure, ratio, target, met) for a summary table."""
    ratio = results["ratio"]
    return [("wb.map / raw gather, throughput", ratio, f">= {TARGET_MAP_RATIO:.1f}x", ratio >= TARGET_MAP_RATIO)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000, help="calls per run (default 1000)")
    parser.add_argument("--concurrency", type=int, default=32, help="calls in flight at most (default 32)")
    parser.add_argument("--sleep", type=float, default=0.02, help="seconds the tool sleeps on average (default 0.02)")
    parser.add_argument("--repeats", type=int, default=4, help="alternating runs per client (default 4)")
    add_output_options(parser)
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeats < 1 or args.concurrency < 1:
        parser.error("--rows, --repeats and --concurrency must be at least 1")
    with tempfile.TemporaryDirectory(prefix="mcp-bench-map-") as tmp:
        results = run(args.store, Path(tmp), rows=args.rows, concurrency=args.concurrency, sleep=args.sleep,
                      repeats=args.repeats)  # fmt: skip
    print_report("map", report_lines(results), results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
