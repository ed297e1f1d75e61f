"""What the workbench adds to a tool call, and how well it connects servers in parallel.

    python benchmarks/call_overhead.py [--n 2000] [--rounds 5] [--store sqlite|memory] [--json PATH]

One process, one stdio demo server per client (``python -m mcp_workbench.demo``):

- ``raw``      ``mcp.Client(StdioServerParameters(...)).call_tool("add", {"a": 1, "b": 2})``
- ``wb.call``  ``wb.call("demo.add", a=1, b=2)``: sync, from the main thread
- ``wb.acall`` ``await wb.acall("demo.add", a=1, b=2)`` from an ``asyncio.run`` loop

Everything runs inside one ``asyncio.run``: the raw client needs its loop for its whole life,
and the workbench's connection lives on the engine's own thread anyway, so the sync block
simply blocks the main thread (as a notebook cell does while the kernel's loop waits). Each
client is warmed up (``--warmup`` calls) first; then ``--rounds`` rounds each run a block of
N/rounds calls per client, in a rotating order, so machine noise hits every client evenly.
Each call is timed on its own; the table shows medians over all N calls, and the ratio of
each workbench median to the raw median (target: <= 1.05).

The workbench runs with its SQLite catalog (in a temporary directory), as users get it: call
history is persisted by the catalog's writer thread; ``--store memory`` measures without it.

Connect: wall time of ``wb.connect`` for one demo server vs ``wb.load_config`` of an
``mcpServers`` file with 10 demo servers (connected in parallel), median of ``--connect-repeats``
(target: 10 in parallel <= 1.5x one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from _common import ARGS, DEMO_ARGS, demo_server, interleaved
from _common import check as _check
from _common import close as _close
from _common import load_average as _load
from _common import raw_text as _raw_text
from _common import summary as _summary
from _common import timed_async as _timed_async
from _common import timed_sync as _timed_sync
from _common import workbench as _workbench
from mcp import Client, StdioServerParameters

import mcp_workbench
from mcp_workbench import Workbench

TARGET_CALL_RATIO = 1.05
TARGET_CONNECT_RATIO = 1.5


async def _calls(wb: Workbench, n: int, rounds: int, warmup: int) -> dict[str, Any]:
    params = StdioServerParameters(command=sys.executable, args=DEMO_ARGS)
    kinds = ["raw", "wb.call", "wb.acall"]
    async with Client(params) as raw:

        async def raw_call() -> None:
            _check(_raw_text(await raw.call_tool("add", ARGS)))

        def wb_call() -> None:
            _check(wb.call("demo.add", a=1, b=2).text)

        async def wb_acall() -> None:
            _check((await wb.acall("demo.add", a=1, b=2)).text)

        async def run(kind: str, count: int, out: list[float]) -> None:
            if kind == "raw":
                await _timed_async(raw_call, count, out)
            elif kind == "wb.call":
                _timed_sync(wb_call, count, out)  # blocks this loop's thread, like a notebook cell
            else:
                await _timed_async(wb_acall, count, out)

        samples, per_round = await interleaved(run, kinds, n, rounds, warmup)
    stats = {kind: _summary(values) for kind, values in samples.items()}
    raw_median = stats["raw"]["median_ms"]
    for kind in ("wb.call", "wb.acall"):
        stats[kind]["ratio"] = stats[kind]["median_ms"] / raw_median
        stats[kind]["round_ratios"] = [w / r for w, r in zip(per_round[kind], per_round["raw"])]
    stats["raw"]["ratio"] = 1.0
    stats["raw"]["round_ratios"] = [1.0] * rounds
    return stats


def _children_cpu_s() -> float | None:
    """CPU seconds (user + system) used so far by this process's live children (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    me, total, found = str(os.getpid()), 0, False
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:  # fields[1] is the parent pid; utime, stime are fields[11:13]
            total += int(fields[11]) + int(fields[12])
            found = True
    return total / ticks if found else None


def _measure_connects(
    repeats: int, store: str, tmp: Path, config: Path, connect_one: Callable[[Workbench], Any], label: str
) -> tuple[list[float], list[float], list[float]]:
    """Alternate one connect and a load_config of many (so drift affects both); time each."""
    one: list[float] = []
    many: list[float] = []
    many_cpu: list[float] = []  # CPU the servers' own processes used until all were connected
    expected = len(json.loads(config.read_text())["mcpServers"])
    wb = _workbench(store, tmp, f"{label}-warm-up")
    connect_one(wb)  # one-time costs (imports, the TLS context) are not what is compared
    _close(wb)
    for i in range(repeats):
        wb = _workbench(store, tmp, f"{label}-one-{i}")
        t0 = time.perf_counter()
        connect_one(wb)
        one.append((time.perf_counter() - t0) * 1000)
        _close(wb)

        wb = _workbench(store, tmp, f"{label}-many-{i}")
        t0 = time.perf_counter()
        frame = wb.load_config(config)
        many.append((time.perf_counter() - t0) * 1000)
        cpu = _children_cpu_s()
        if cpu is not None:
            many_cpu.append(cpu)
        connected = int((frame["status"] == "connected").sum())
        _close(wb)
        if connected != expected:
            raise RuntimeError(f"load_config connected {connected} of {expected} servers:\n{frame}")
    return one, many, many_cpu


def _connect_times(repeats: int, servers: int, store: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mcp-bench-") as tmp:
        config = Path(tmp) / "mcp.json"
        entry = {"command": sys.executable, "args": DEMO_ARGS}
        config.write_text(json.dumps({"mcpServers": {f"demo{i}": entry for i in range(servers)}}))
        one, many, many_cpu = _measure_connects(
            repeats, store, Path(tmp), config, lambda wb: wb.connect("demo", command=sys.executable, args=DEMO_ARGS),
            "stdio",
        )  # fmt: skip
    one_ms, many_ms = statistics.median(one), statistics.median(many)
    # Starting N Python servers is CPU-bound: with fewer CPUs than servers, no client can
    # connect them all faster than their combined CPU time spread over every CPU.
    cpu_ms = statistics.median(many_cpu) * 1000 if many_cpu else float("nan")
    floor_ms = max(one_ms, cpu_ms / (os.cpu_count() or 1)) if many_cpu else float("nan")
    return {
        "servers": servers,
        "repeats": repeats,
        "one_ms": one_ms,
        "many_ms": many_ms,
        "ratio": many_ms / one_ms,
        "servers_cpu_ms": cpu_ms,
        "cpu_floor_ms": floor_ms,
        "cpu_floor_ratio": floor_ms / one_ms,
        "one_samples_ms": one,
        "many_samples_ms": many,
    }


def _http_connect_times(repeats: int, servers: int, store: str) -> dict[str, Any]:
    """Connect to N demo servers that already run on loopback HTTP: no process start-up, so
    this isolates what the client does in parallel (the stdio figure is bound by server CPU)."""
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="mcp-bench-http-") as tmp:
        ports = [stack.enter_context(demo_server("--http")) for _ in range(servers)]
        config = Path(tmp) / "mcp.json"
        entries = {f"web{i}": {"url": f"http://127.0.0.1:{p}/mcp"} for i, p in enumerate(ports)}
        config.write_text(json.dumps({"mcpServers": entries}))
        url = f"http://127.0.0.1:{ports[0]}/mcp"
        one, many, _ = _measure_connects(repeats, store, Path(tmp), config, lambda wb: wb.connect("web", url=url), "http")
    one_ms, many_ms = statistics.median(one), statistics.median(many)
    return {"servers": servers, "one_ms": one_ms, "many_ms": many_ms, "ratio": many_ms / one_ms}


def _table(calls: dict[str, Any], connect: dict[str, Any], http: dict[str, Any], args: argparse.Namespace) -> str:
    worst = max(calls["wb.call"]["ratio"], calls["wb.acall"]["ratio"])
    call_verdict = "met" if worst <= TARGET_CALL_RATIO else "NOT met"
    connect_verdict = "met" if connect["ratio"] <= TARGET_CONNECT_RATIO else "NOT met"
    head = f"{'client':<10} {'calls':>6} {'median ms':>10} {'p10 ms':>8} {'p90 ms':>8} {'mean ms':>8} {'vs raw':>7}"
    lines = [
        f"mcp-workbench {mcp_workbench.__version__} call overhead: stdio demo server, demo.add(1, 2)",
        (
            f"N={args.n} per client, {args.rounds} interleaved rounds, {args.warmup} warm-up calls each; "
            f"catalog store: {args.store}; Python {platform.python_version()}, {os.cpu_count()} CPUs"
        ),
        "",
        head + "  per-round ratio",
    ]
    for kind, s in calls.items():
        rounds = " ".join(f"{r:.2f}" for r in s["round_ratios"]) if kind != "raw" else ""
        lines.append(
            f"{kind:<10} {s['n']:>6} {s['median_ms']:>10.3f} {s['p10_ms']:>8.3f} {s['p90_ms']:>8.3f} "
            f"{s['mean_ms']:>8.3f} {s['ratio']:>6.2f}x  {rounds}"
        )
    n, cpus = connect["servers"], os.cpu_count()
    lines += [
        f"target: wb/raw <= {TARGET_CALL_RATIO:.2f}x -> {call_verdict} (worst {worst:.2f}x)",
        "",
        (
            f"connect (median of {connect['repeats']}):  one server {connect['one_ms']:.0f} ms   "
            f"{n} servers via load_config {connect['many_ms']:.0f} ms   ratio {connect['ratio']:.2f}x"
        ),
        f"target: {n} in parallel <= {TARGET_CONNECT_RATIO:.1f}x one -> {connect_verdict}",
        (
            f"the {n} server processes used {connect['servers_cpu_ms'] / 1000:.1f} s CPU until connected: "
            f"on {cpus} CPUs no client can connect them in under {connect['cpu_floor_ms']:.0f} ms "
            f"({connect['cpu_floor_ratio']:.2f}x one)"
        ),
        (
            f"connect over HTTP to running servers (median of {connect['repeats']}):  one "
            f"{http['one_ms']:.0f} ms   {n} via load_config {http['many_ms']:.0f} ms   ratio {http['ratio']:.2f}x -> "
            + ("met" if http["ratio"] <= TARGET_CONNECT_RATIO else "NOT met")
        ),
        f"1-minute load average before the calls / before the connects: {args.load_start} / {args.load_connect}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="timed calls per client (default 2000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed calls per client first (default 50)")
    parser.add_argument("--servers", type=int, default=10, help="servers in the load_config file (default 10)")
    parser.add_argument("--connect-repeats", type=int, default=3, help="connect measurements (default 3)")
    parser.add_argument(
        "--store",
        choices=["sqlite", "memory"],
        default="sqlite",
        help="the workbench's catalog: SQLite in a temporary directory (the default, as users get it) or none",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the numbers to PATH as JSON")
    args = parser.parse_args(argv)
    if args.n < args.rounds or args.rounds < 1:
        parser.error("--n must be at least --rounds, and --rounds at least 1")
    args.load_start = _load()

    with tempfile.TemporaryDirectory(prefix="mcp-bench-store-") as tmp:
        wb = _workbench(args.store, Path(tmp), "calls")
        try:
            wb.connect("demo", command=sys.executable, args=DEMO_ARGS)
            calls = asyncio.run(_calls(wb, args.n, args.rounds, args.warmup))
        finally:
            _close(wb)
    args.load_connect = _load()
    connect = _connect_times(args.connect_repeats, args.servers, args.store)
    http = _http_connect_times(args.connect_repeats, args.servers, args.store)

    print(_table(calls, connect, http, args))
    if args.json:
        report = {
            "benchmark": "call_overhead",
            "version": mcp_workbench.__version__,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "n": args.n,
            "rounds": args.rounds,
            "warmup": args.warmup,
            "store": args.store,
            "load_average_1m": {"before_calls": args.load_start, "before_connects": args.load_connect},
            "calls": calls,
            "connect": connect,
            "connect_http": http,
            "targets": {"call_ratio": TARGET_CALL_RATIO, "connect_ratio": TARGET_CONNECT_RATIO},
        }
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
