"""Our stdio transport: a 50 MiB result over stdio vs loopback Streamable HTTP, and what the
transport changes for a small call (the SDK's ``stdio_client`` before, ours after), in one run.

    python benchmarks/big_result.py [--mb 50] [--repeats 3] [--sdk-mb 4 8 16]
                                    [--n 1000] [--rounds 5] [--warmup 50] [--json PATH]

- big result: ``wb.call("X.big", mb=50)`` on the demo server over stdio and over loopback
  Streamable HTTP, ``--repeats`` times each (after one untimed call each), alternating; wall
  time and this process's CPU time per call; target: stdio <= 1.5x HTTP. The raw ``mcp.Client`` over HTTP is shown for reference.
- the SDK's ``stdio_client`` at ``--sdk-mb`` sizes next to ours: its reader is quadratic in the
  line's size (50 MiB would take minutes), so only smaller results are timed.
- small calls: ``add(1, 2)`` over stdio, N per client in interleaved rounds: the raw
  ``mcp.Client`` and ``wb.call``, each on the SDK's ``stdio_client`` and on ours. Wall median and
  client CPU per call (process CPU time over the timed calls).

``peers.py`` runs the same functions (``run``) and prints their lines in its report.
"""

from __future__ import annotations

import argparse
import dataclasses
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from _common import (
    ARGS,
    DEMO_ARGS,
    ROOT,
    add_output_options,
    check,
    demo_server,
    interleaved,
    print_report,
    raw_text,
    summary,
    with_workbench,
)
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from mcp_workbench import Workbench
from mcp_workbench.core import transports
from mcp_workbench.core.stdio import stdio_transport

TARGET_BIG_RATIO = 1.5
MB = 2**20


@contextmanager
def sdk_stdio() -> Iterator[None]:
    """Connections made inside use the SDK's ``stdio_client`` (the transport before ours): the
    transport table's stdio entry is swapped for the time being."""
    ours = transports.TRANSPORTS["stdio"]

    def sdk(spec: Any, stderr: Any, on_http: Any = None) -> Any:
        return stdio_client(transports.stdio_parameters(spec), errlog=stderr.writer)

    transports.TRANSPORTS["stdio"] = dataclasses.replace(ours, build=sdk)
    try:
        yield
    finally:
        transports.TRANSPORTS["stdio"] = ours


def _stdio_options() -> dict[str, Any]:
    return {"command": sys.executable, "args": DEMO_ARGS, "cwd": str(ROOT), "timeout": 600}


def _params() -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=DEMO_ARGS, cwd=ROOT)


def _timed(call: Callable[[], Any]) -> tuple[float, float]:
    """Wall and process-CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


async def _timed_async(call: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    await call()
    return time.perf_counter() - wall, time.process_time() - cpu


def _size_check(text: str, mb: float) -> None:
    if len(text) != int(mb * MB):
        raise AssertionError(f"big(mb={mb}) answered {len(text)} characters, not {int(mb * MB)}")


# ------------------------------------------------------------------------------ big result
async def bench_big(wb: Workbench, http_url: str, mb: float, repeats: int) -> dict[str, Any]:
    """``repeats`` big calls per path, alternating (stdio first, then HTTP first, ...)."""
    wb.connect("big_stdio", **_stdio_options())
    wb.connect("big_http", url=http_url, timeout=600)
    samples: dict[str, list[tuple[float, float]]] = {"wb.call stdio": [], "wb.call http": [], "raw Client http": []}
    async with Client(http_url, cache=None, read_timeout_seconds=600) as raw:

        async def raw_http() -> None:
            _size_check(raw_text(await raw.call_tool("big", {"mb": mb})), mb)

        calls: dict[str, Callable[[], Any]] = {
            "wb.call stdio": lambda: _size_check(wb.call("big_stdio.big", mb=mb).text, mb),
            "wb.call http": lambda: _size_check(wb.call("big_http.big", mb=mb).text, mb),
        }
        for call in (*calls.values(), raw_http):  # one untimed call each: first-touch costs (page faults)
            result = call()
            if asyncio.iscoroutine(result):
                await result
        for i in range(repeats):
            order = list(calls) if i % 2 == 0 else list(reversed(calls))
            for kind in order:
                samples[kind].append(_timed(calls[kind]))
            samples["raw Client http"].append(await _timed_async(raw_http))
    wb.disconnect("big_stdio")
    wb.disconnect("big_http")
    out = {kind: {"wall_s": statistics.median(w for w, _ in values), "cpu_s": statistics.median(c for _, c in values),
                  "samples_s": [round(w, 3) for w, _ in values]} for kind, values in samples.items()}  # fmt: skip
    out["ratio"] = out["wb.call stdio"]["wall_s"] / out["wb.call http"]["wall_s"]
    out["mb"], out["repeats"] = mb, repeats
    return out


async def bench_sdk_sizes(sizes: list[float]) -> list[dict[str, Any]]:
    """One big call per size with the raw client on the SDK's ``stdio_client`` and on ours."""
    rows = []
    with open(os.devnull, "w") as errlog:
        async with Client(_params(), cache=None, read_timeout_seconds=600) as sdk, \
                Client(stdio_transport(_params(), errlog), cache=None, read_timeout_seconds=600) as ours:  # fmt: skip
            for mb in sizes:
                row: dict[str, Any] = {"mb": mb}
                for name, client in (("sdk", sdk), ("ours", ours)):

                    async def call(client: Client = client, mb: float = mb) -> None:
                        _size_check(raw_text(await client.call_tool("big", {"mb": mb})), mb)

                    row[f"{name}_wall_s"], row[f"{name}_cpu_s"] = await _timed_async(call)
                rows.append(row)
    return rows


# ------------------------------------------------------------------------------ small calls
async def bench_small(wb: Workbench, n: int, rounds: int, warmup: int) -> dict[str, Any]:
    """``add(1, 2)``: raw client and ``wb.call``, each over the SDK's stdio transport and ours."""
    with sdk_stdio():
        wb.connect("add_sdk", **_stdio_options())
    wb.connect("add_ours", **_stdio_options())
    kinds = ["raw, SDK stdio_client", "raw, our stdio", "wb.call, SDK stdio_client", "wb.call, our stdio"]
    cpu: dict[str, float] = dict.fromkeys(kinds, 0.0)
    with open(os.devnull, "w") as errlog:
        async with Client(_params(), cache=None) as sdk, Client(stdio_transport(_params(), errlog), cache=None) as ours:
            raws = {"raw, SDK stdio_client": sdk, "raw, our stdio": ours}
            servers = {"wb.call, SDK stdio_client": "add_sdk", "wb.call, our stdio": "add_ours"}

            async def run(kind: str, count: int, out: list[float]) -> None:
                clock, start_cpu = time.perf_counter, time.process_time()
                if kind in raws:
                    client = raws[kind]
                    for _ in range(count):
                        t0 = clock()
                        check(raw_text(await client.call_tool("add", ARGS)))
                        out.append((clock() - t0) * 1000)
                else:
                    target = f"{servers[kind]}.add"
                    for _ in range(count):
                        t0 = clock()
                        check(wb.call(target, a=1, b=2).text)  # blocks this loop's thread, as a cell does
                        out.append((clock() - t0) * 1000)
                cpu[kind] += time.process_time() - start_cpu

            for kind in kinds:  # warm up here, not in interleaved(): its CPU must not count
                await run(kind, warmup, [])
            cpu.update(dict.fromkeys(kinds, 0.0))
            samples, per_round = await interleaved(run, kinds, n, rounds, 0)
    wb.disconnect("add_sdk")
    wb.disconnect("add_ours")
    stats = {kind: summary(values) for kind, values in samples.items()}
    base = stats["raw, SDK stdio_client"]
    for kind in kinds:
        stats[kind]["ratio"] = stats[kind]["median_ms"] / base["median_ms"]
        stats[kind]["cpu_ms_per_call"] = cpu[kind] * 1000 / stats[kind]["n"]
        stats[kind]["round_ratios"] = [k / r for k, r in zip(per_round[kind], per_round["raw, SDK stdio_client"],
                                                            strict=True)]  # fmt: skip
    for kind in kinds:
        stats[kind]["cpu_ratio"] = stats[kind]["cpu_ms_per_call"] / base["cpu_ms_per_call"]
    return stats


# ------------------------------------------------------------------------------ run, report
def run(store: str, tmp: Path, http_url: str, *, mb: float, repeats: int, sdk_sizes: list[float], n: int,
        rounds: int, warmup: int) -> dict[str, Any]:  # fmt: skip
    """Every figure of this module, with a workbench of its own; the load average around it."""

    async def everything(wb: Workbench) -> dict[str, Any]:
        return {"big": await bench_big(wb, http_url, mb, repeats),
                "sdk_sizes": await bench_sdk_sizes(sdk_sizes) if sdk_sizes else [],
                "small": await bench_small(wb, n, rounds, warmup) if n else {}}  # fmt: skip

    return with_workbench(store, tmp, "big-result", lambda wb: asyncio.run(everything(wb)))


def report_lines(results: dict[str, Any]) -> list[str]:
    big = results["big"]
    lines = [
        f"big result: demo big(mb={big['mb']:g}), {big['repeats']} calls per path, alternating "
        f"({results['cpus']} CPUs, load average {results['load_before']} -> {results['load_after']})",
        f"  {'path':<34} {'median s':>9} {'client CPU s':>13}  samples s",
    ]
    for kind in ("wb.call stdio", "wb.call http", "raw Client http"):
        s = big[kind]
        lines.append(f"  {kind:<34} {s['wall_s']:>9.3f} {s['cpu_s']:>13.3f}  {s['samples_s']}")
    lines.append(f"  stdio / http: {big['ratio']:.2f}x (target <= {TARGET_BIG_RATIO:.1f}x) -> "
                 + ("PASS" if big["ratio"] <= TARGET_BIG_RATIO else "FAIL"))  # fmt: skip
    if results.get("sdk_sizes"):
        lines.append("  raw Client over stdio, one call per size: the SDK's stdio_client (quadratic reader) vs ours")
        lines.append(f"  {'MiB':>6} {'SDK s':>8} {'SDK CPU s':>10} {'ours s':>8} {'ours CPU s':>11}")
        for row in results["sdk_sizes"]:
            lines.append(f"  {row['mb']:>6g} {row['sdk_wall_s']:>8.3f} {row['sdk_cpu_s']:>10.3f} "
                         f"{row['ours_wall_s']:>8.3f} {row['ours_cpu_s']:>11.3f}")  # fmt: skip
    small = results.get("small")
    if small:
        first = next(iter(small.values()))
        lines += [
            f"small calls over stdio: add(1, 2), N={first['n']} per client, interleaved rounds; "
            "ratios to the raw client on the SDK's transport",
            f"  {'client':<34} {'median ms':>10} {'p90 ms':>8} {'vs raw':>7} {'CPU ms/call':>12} {'CPU vs raw':>11}",
        ]
        for kind, s in small.items():
            lines.append(f"  {kind:<34} {s['median_ms']:>10.3f} {s['p90_ms']:>8.3f} {s['ratio']:>6.2f}x "
                         f"{s['cpu_ms_per_call']:>12.3f} {s['cpu_ratio']:>10.2f}x"
                         f"  rounds {' '.join(f'{r:.2f}' for r in s['round_ratios'])}")  # fmt: skip
    return lines


def summary_rows(results: dict[str, Any]) -> list[tuple[str, float, str, bool]]:
    """(figure, ratio, target, met) for a summary table."""
    ratio = results["big"]["ratio"]
    return [(f"{results['big']['mb']:g} MiB result, stdio / http", ratio, f"<= {TARGET_BIG_RATIO:.1f}x",
             ratio <= TARGET_BIG_RATIO)]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=50, help="size of the big result in MiB (default 50)")
    parser.add_argument("--repeats", type=int, default=3, help="big calls per path (default 3)")
    parser.add_argument("--sdk-mb", type=float, nargs="*", default=[4, 8, 16],
                        help="sizes for the SDK's stdio_client vs ours (default 4 8 16; none to skip)")  # fmt: skip
    parser.add_argument("--n", type=int, default=1000, help="small calls per client (default 1000; 0 to skip)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of small calls (default 5)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed small calls per client first (default 50)")
    add_output_options(parser)
    args = parser.parse_args(argv)
    if args.repeats < 1 or (args.n and args.n < args.rounds):
        parser.error("--repeats must be at least 1, and --n at least --rounds (or 0)")
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="mcp-bench-big-") as tmp:
        port = stack.enter_context(demo_server("--http"))
        results = run(args.store, Path(tmp), f"http://127.0.0.1:{port}/mcp", mb=args.mb, repeats=args.repeats,
                      sdk_sizes=args.sdk_mb, n=args.n, rounds=args.rounds, warmup=args.warmup)  # fmt: skip
    print_report("big_result", report_lines(results), results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
