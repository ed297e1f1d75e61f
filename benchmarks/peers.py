"""The workbench against its peers: raw ``mcp.Client``, ``fastmcp.Client``, ``wb.call``, ``wb.acall``.

    python benchmarks/peers.py [--quick] [--n 2000] [--rounds 5] [--warmup 50] [--repeats 5]
                               [--big-mb 50] [--map-rows 1000] [--connect-servers 10]
                               [--fastmcp-python PATH] [--profile] [--json PATH]

One run measures, on the same demo servers (``python -m mcp_workbench.demo``, over stdio and over
loopback Streamable HTTP), every figure of issue #15 with its target:

- calls: N small calls (``add(1, 2)``) per client, in ``--rounds`` interleaved rounds whose
  order rotates, after ``--warmup`` untimed calls: wall medians and this process's CPU time per
  call, each as a ratio to the raw client (targets: CPU <= 1.10x, wall <= 1.05x). Besides the raw
  client, fastmcp's, ``wb.call`` and ``wb.acall``, the same raw client is also called on the
  workbench's engine thread through its hop (``engine.run`` / ``engine.arun``) with no
  workbench code around it: the floor of a call that crosses threads (DESIGN.md's async bridge).
  Over stdio each client has its own server process (same command); over HTTP all share one.
- connect: ``--repeats`` fresh connects per client. The raw and fastmcp figures are the
  handshake only; ``wb.connect`` also loads every listing (tools, prompts, resources, templates,
  all pages), so "raw + listings" (the handshake, then the same listings) is shown as well.
- refreshing a server with 1,000 tools (``--tools 1000``, 21 pages of 50), in rotating rounds; every
  client reads what a refresh reads (tools, prompts, resources, templates, every page, the kinds
  concurrently): the raw client (``connects.raw_listings``), fastmcp (``list_tools()`` ...
  ``list_resource_templates()``, it pages itself), ``wb.refresh``, and ``wb.refresh`` then
  ``wb.tools(server)`` (the DataFrame); target: ``wb.refresh`` <= fastmcp.
- ``wb.map`` against ``asyncio.gather`` over one raw client (``map.py``; target >= 0.9x its
  throughput) and ``wb.load_config`` of ten stdio servers against a gather of ten raw connects
  (``connects.py``; target <= 1.1x).
- a 50 MiB text result over stdio (our transport) vs loopback Streamable HTTP, the SDK's
  ``stdio_client`` at smaller sizes, and small calls on the SDK's stdio transport vs ours
  (``big_result.py``; target <= 1.5x).
- ``%load_ext mcp_workbench`` over a bare IPython shell: the median of ``--load-repeats`` fresh
  interpreters, then their first ``%mcp`` line (``load_ext.py``; target <= 0.25 s); ``--profile``
  (or a result over the target) adds ``python -X importtime`` of the load.

``--quick`` runs every figure with fewer calls and repeats (under two minutes on 2 CPUs); a
summary table of each ratio against its target, then the floor of a call, closes the report.

fastmcp runs in this process when it imports here; otherwise ``--fastmcp-python`` (default:
``$FASTMCP_PYTHON``, or ``/tmp/fastmcp-venv/bin/python`` when it exists) names an interpreter
that has it, which runs ``_fastmcp_worker.py`` against the same servers in a subprocess, driven
round by round like the others.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import big_result
import connects
import load_ext
import map as map_bench
from _common import ARGS, DEMO_ARGS, ROOT, check, close, demo_server, interleaved, load_average, raw_text
from _common import summary, timed_async, timed_sync, workbench, write_json
from _fastmcp_worker import FastMCPBench
from connects import raw_listings
from mcp import Client, StdioServerParameters

import mcp_workbench
from mcp_workbench import Workbench

TARGET_CALL_RATIO = 1.05
TARGET_CPU_RATIO = 1.10
BIG_TOOLS = 1000
_DEFAULT_VENV_PYTHON = "/tmp/fastmcp-venv/bin/python"


# ------------------------------------------------------------------------------------ fastmcp
class FastMCPProcess:
    """``FastMCPBench`` in another interpreter (started once: importing fastmcp takes seconds),
    with the same async methods."""

    def __init__(self, python: str) -> None:
        self.python = python
        self.version = "?"
        self._proc: asyncio.subprocess.Process | None = None

    async def _ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write((json.dumps(command) + "\n").encode())
        await self._proc.stdin.drain()
        reply = json.loads(await self._proc.stdout.readline())
        if "error" in reply:
            raise RuntimeError(f"fastmcp worker: {reply['error']}")
        return reply

    async def open(self, target: dict[str, Any]) -> None:
        """Connect to ``target`` (the worker closes its previous client first)."""
        if self._proc is None:
            worker = Path(__file__).with_name("_fastmcp_worker.py")
            self._proc = await asyncio.create_subprocess_exec(
                self.python, str(worker), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT
            )
        self.version = (await self._ask({"op": "open", "target": target}))["version"]

    async def close(self) -> None:
        if self._proc is not None and self._proc.stdin is not None:
            self._proc.stdin.write(b'{"op": "quit"}\n')
            await self._proc.stdin.drain()
            await asyncio.wait_for(self._proc.wait(), 30)

    async def calls(self, n: int) -> dict[str, Any]:
        return await self._ask({"op": "calls", "n": n})

    async def connects(self, n: int) -> list[float]:
        return (await self._ask({"op": "connects", "n": n}))["samples"]

    async def list_all(self, n: int) -> dict[str, Any]:
        return await self._ask({"op": "list_all", "n": n})


def fastmcp_runner(args: argparse.Namespace) -> tuple[str, Any]:
    """How fastmcp runs here: ("in-process", a FastMCPBench) or ("subprocess (PATH)", a FastMCPProcess)."""
    try:
        import fastmcp  # noqa: F401
    except ImportError:
        python = args.fastmcp_python or os.environ.get("FASTMCP_PYTHON") or _DEFAULT_VENV_PYTHON
        if not Path(python).exists():
            raise SystemExit(f"fastmcp does not import here and there is no {python}: pass --fastmcp-python") from None
        return f"subprocess ({python})", FastMCPProcess(python)
    return "in-process", FastMCPBench()


# ------------------------------------------------------------------------------------ calls
CALL_KINDS = ["raw mcp.Client", "raw, engine hop (sync)", "raw, engine hop (async)", "fastmcp.Client", "wb.call",
              "wb.acall"]  # fmt: skip


@asynccontextmanager
async def engine_client(wb: Workbench, target: Any) -> AsyncIterator[Client]:
    """A raw ``mcp.Client`` living on the workbench's engine loop, as the workbench's own
    connections do (entered and left by one task there): called through the engine's hop to
    that thread, without the workbench's code around it, it is the floor of ``wb.call``."""
    ready: concurrent.futures.Future[Client] = concurrent.futures.Future()
    stop: list[asyncio.Event] = []

    async def hold() -> None:
        stop.append(asyncio.Event())
        async with Client(target, cache=None) as client:
            ready.set_result(client)
            await stop[0].wait()

    held = wb.submit(hold())
    try:
        yield await asyncio.wrap_future(ready)
    finally:
        wb.engine.loop.call_soon_threadsafe(stop[0].set)
        await asyncio.wrap_future(held)


async def bench_calls(wb: Workbench, name: str, raw_target: Callable[[], Any], fast: Any,
                      args: argparse.Namespace) -> dict[str, Any]:  # fmt: skip
    """Interleaved rounds of N/rounds calls per client; every client warmed up first. Wall time
    per call, and this process's CPU time per call (the servers are other processes; fastmcp
    reports its own process's; the workbench's blocks include writing their calls to the catalog)."""
    cpu: dict[str, list[float]] = {kind: [] for kind in CALL_KINDS}  # CPU seconds per block
    async with Client(raw_target(), cache=None) as raw, engine_client(wb, raw_target()) as hopped:

        async def raw_call(client: Client = raw) -> None:
            check(raw_text(await client.call_tool("add", ARGS)))

        def hop_call() -> None:
            wb.engine.run(raw_call(hopped))  # the hop wb.call makes around its request, and nothing else

        async def hop_acall() -> None:
            await wb.engine.arun(raw_call(hopped))

        def wb_call() -> None:
            check(wb.call(f"{name}.add", a=1, b=2).text)

        async def wb_acall() -> None:
            check((await wb.acall(f"{name}.add", a=1, b=2)).text)

        async def run(kind: str, count: int, out: list[float]) -> None:
            start = time.process_time()
            used: float | None = None
            if kind == "raw mcp.Client":
                await timed_async(raw_call, count, out)
            elif kind == "raw, engine hop (sync)":
                timed_sync(hop_call, count, out)  # blocks this loop's thread, as a notebook cell does
            elif kind == "raw, engine hop (async)":
                await timed_async(hop_acall, count, out)
            elif kind == "fastmcp.Client":
                reply = await fast.calls(count)
                out.extend(reply["samples"])
                used = reply["cpu_s"]
            elif kind == "wb.call":
                timed_sync(wb_call, count, out)
            else:
                await timed_async(wb_acall, count, out)
            if kind.startswith("wb.") and wb.catalog_sync is not None:
                wb.catalog_sync.flush()  # the catalog's writer thread persists these calls: its CPU counts here
            cpu[kind].append(time.process_time() - start if used is None else used)

        samples, per_round = await interleaved(run, CALL_KINDS, args.n, args.rounds, args.warmup)
        cpu = {kind: blocks[1:] for kind, blocks in cpu.items()}  # each client's first block is its warm-up
    stats = {kind: summary(values) for kind, values in samples.items()}
    raw = "raw mcp.Client"
    for kind in CALL_KINDS:
        s = stats[kind]
        s["ratio"] = s["median_ms"] / stats[raw]["median_ms"]
        s["round_ratios"] = [w / r for w, r in zip(per_round[kind], per_round[raw], strict=True)]
        s["cpu_ms_per_call"] = sum(cpu[kind]) * 1000 / s["n"]
        s["cpu_ratio"] = sum(cpu[kind]) / sum(cpu[raw])
        s["cpu_round_ratios"] = [c / r for c, r in zip(cpu[kind], cpu[raw], strict=True)]
    return stats


# ------------------------------------------------------------------------------------ connect
async def bench_connects(wb: Workbench, options: dict[str, Any], raw_target: Callable[[], Any], fast: Any,
                         repeats: int) -> dict[str, Any]:  # fmt: skip
    """``repeats`` fresh connects per client, alternating clients so drift hits each evenly."""
    kinds = ["raw mcp.Client", "raw + listings", "fastmcp.Client", "wb.connect"]
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    for _ in range(repeats):
        for with_listings in (False, True):
            t0 = time.perf_counter()
            async with Client(raw_target(), cache=None) as client:
                if with_listings:
                    await raw_listings(client)
                took = (time.perf_counter() - t0) * 1000
            samples["raw + listings" if with_listings else "raw mcp.Client"].append(took)
        samples["fastmcp.Client"].extend(await fast.connects(1))
        t0 = time.perf_counter()
        wb.connect("conn", **options)
        samples["wb.connect"].append((time.perf_counter() - t0) * 1000)
        wb.disconnect("conn")
    stats = {kind: summary(values) for kind, values in samples.items()}
    for kind in stats:
        stats[kind]["ratio"] = stats[kind]["median_ms"] / stats["raw mcp.Client"]["median_ms"]
    return stats


async def bench_listing(wb: Workbench, options: dict[str, Any], raw_target: Any, fast: Any,
                        repeats: int) -> dict[str, Any]:  # fmt: skip
    """The ``--tools 1000`` demo (its own tools and 1,000 generated) read again ``repeats`` times per
    client in a rotating order, each time every listing a refresh reads: the raw client, fastmcp,
    ``wb.refresh``, then ``wb.tools(server)``."""
    kinds = ["raw mcp.Client", "fastmcp.Client", "wb.refresh"]
    samples: dict[str, list[float]] = {kind: [] for kind in [*kinds, "wb.refresh + wb.tools()"]}
    counts: dict[str, int] = {}
    t0 = time.perf_counter()
    wb.connect("big", **options)
    connect_ms = (time.perf_counter() - t0) * 1000
    try:
        async with Client(raw_target, cache=None) as raw:
            for i in range(repeats):
                for kind in kinds[i % len(kinds):] + kinds[: i % len(kinds)]:
                    if kind == "fastmcp.Client":
                        listed = await fast.list_all(1)
                        samples[kind] += listed["samples"]
                        counts[kind] = listed["count"]
                        continue
                    t0 = time.perf_counter()
                    if kind == "raw mcp.Client":
                        counts[kind] = await raw_listings(raw)
                        samples[kind].append((time.perf_counter() - t0) * 1000)
                        continue
                    wb.refresh("big")
                    t1 = time.perf_counter()
                    counts[kind] = counts["wb.refresh + wb.tools()"] = len(wb.tools("big"))
                    samples[kind].append((t1 - t0) * 1000)
                    samples["wb.refresh + wb.tools()"].append((time.perf_counter() - t0) * 1000)
    finally:
        wb.disconnect("big")
    stats = {kind: {**summary(values), "tools": counts[kind]} for kind, values in samples.items()}
    for kind in stats:
        stats[kind]["ratio"] = stats[kind]["median_ms"] / stats["raw mcp.Client"]["median_ms"]
    stats["wb.connect_ms"] = connect_ms  # start (stdio) + handshake + every listing, once
    return stats


# ------------------------------------------------------------------------------------ report
def _rows(title: str, stats: dict[str, Any]) -> list[str]:
    lines = [title, f"  {'client':<34} {'n':>5} {'median ms':>10} {'p10 ms':>8} {'p90 ms':>8} {'vs raw':>7}"]
    for kind, s in stats.items():
        if isinstance(s, dict):
            extra = f"  ({s['tools']} tools)" if "tools" in s else ""
            lines.append(f"  {kind:<34} {s['n']:>5} {s['median_ms']:>10.3f} {s['p10_ms']:>8.3f} {s['p90_ms']:>8.3f} "
                         f"{s['ratio']:>6.2f}x{extra}")  # fmt: skip
    return lines


def _call_rows(title: str, stats: dict[str, Any]) -> list[str]:
    lines = [title, f"  {'client':<26} {'median ms':>10} {'p90 ms':>8} {'vs raw':>7} {'CPU ms/call':>12} "
                    f"{'CPU vs raw':>11}  per round: wall, CPU vs raw"]  # fmt: skip
    for kind, s in stats.items():
        rounds = ""
        if kind != "raw mcp.Client":
            rounds = ("  " + " ".join(f"{r:.2f}" for r in s["round_ratios"]) + " | "
                      + " ".join(f"{r:.2f}" for r in s["cpu_round_ratios"]))  # fmt: skip
        lines.append(f"  {kind:<26} {s['median_ms']:>10.3f} {s['p90_ms']:>8.3f} {s['ratio']:>6.2f}x "
                     f"{s['cpu_ms_per_call']:>12.3f} {s['cpu_ratio']:>10.2f}x{rounds}")  # fmt: skip
    return lines


def report(results: dict[str, Any], args: argparse.Namespace) -> str:
    lines = [
        f"mcp-workbench {mcp_workbench.__version__} vs peers: demo server (python -m mcp_workbench.demo), add(1, 2)",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; fastmcp {results['fastmcp_version']} "
        f"({results['fastmcp_mode']}); mcp {results['mcp_version']}; catalog store: {args.store}; "
        f"load average before: {results['load_before']}, after: {load_average()}",
        "",
    ]
    for transport in ("stdio", "http"):
        lines += _call_rows(f"calls over {transport}: N={args.n} per client, {args.rounds} interleaved rounds, "
                            f"{args.warmup} warm-up calls; CPU: this process's (fastmcp: its own)",
                            results["calls"][transport])  # fmt: skip
        lines.append("")
    for transport in ("stdio", "http"):
        lines += _rows(f"connect over {transport} (median of {args.repeats})", results["connect"][transport])
    lines.append("")
    for transport in ("stdio", "http"):
        listing = results["listing"][transport]
        lines += _rows(f"refreshing a server with {BIG_TOOLS:,} tools over {transport}: every listing, every page "
                       f"({args.listing_repeats} rotating rounds)", listing)  # fmt: skip
        lines.append(f"  and wb.connect of that server (start, handshake, every listing), once: "
                     f"{listing['wb.connect_ms']:.0f} ms")  # fmt: skip
    lines += ["", *map_bench.report_lines(results["map"]), "", *connects.report_lines(results["connects"])]
    lines += ["", *big_result.report_lines(results["big_result"]), "", *load_ext.report_lines(results["load_ext"])]
    lines += ["", *summary_table(results)]
    return "\n".join(lines)


def summary_table(results: dict[str, Any]) -> list[str]:
    """One line per figure with a target (its value, the target, PASS or FAIL), then the floor of the calls."""
    rows: list[tuple[str, float, str, bool]] = []
    rows += big_result.summary_rows(results["big_result"]) + load_ext.summary_rows(results["load_ext"])
    calls = results["calls"]
    for transport in ("stdio", "http"):
        for kind in ("wb.call", "wb.acall"):
            ratio = calls[transport][kind]["cpu_ratio"]
            rows.append((f"{kind} / raw, CPU, {transport}", ratio, f"<= {TARGET_CPU_RATIO:.2f}x", ratio <= TARGET_CPU_RATIO))
    for transport in ("stdio", "http"):
        for kind in ("wb.call", "wb.acall"):
            ratio = calls[transport][kind]["ratio"]
            rows.append((f"{kind} / raw, wall, {transport}", ratio, f"<= {TARGET_CALL_RATIO:.2f}x",
                         ratio <= TARGET_CALL_RATIO))  # fmt: skip
    rows += map_bench.summary_rows(results["map"]) + connects.summary_rows(results["connects"])
    for transport in ("stdio", "http"):
        listing = results["listing"][transport]
        ratio = listing["wb.refresh"]["median_ms"] / listing["fastmcp.Client"]["median_ms"]
        rows.append((f"refresh {BIG_TOOLS:,} tools / fastmcp, {transport}", ratio, "<= 1.00x", ratio <= 1.0))
    lines = [f"summary ({os.cpu_count()} CPUs, load average now {load_average()})",
             f"  {'figure':<42} {'value':>8}  {'target':<10} verdict"]  # fmt: skip
    lines += [f"  {name:<42} {value:>8.2f}  {target:<10} {'PASS' if ok else 'FAIL'}" for name, value, target, ok in rows]
    lines.append("the floor of a call: the same raw mcp.Client on the engine thread, called through its hop "
                 "(CPU, wall) / raw; and the workbench's own share on top of it")
    for transport in ("stdio", "http"):
        for kind, hop in (("wb.call", "raw, engine hop (sync)"), ("wb.acall", "raw, engine hop (async)")):
            floor, ours = calls[transport][hop], calls[transport][kind]
            lines.append(f"  {transport:<5} {hop:<24} {floor['cpu_ratio']:.2f}x {floor['ratio']:.2f}x   {kind:<8} / it: "
                         f"{ours['cpu_ratio'] / floor['cpu_ratio']:.2f}x {ours['ratio'] / floor['ratio']:.2f}x")
    return lines


async def run_all(args: argparse.Namespace, http_url: str, big_url: str, tmp: Path) -> dict[str, Any]:
    mode, fast = fastmcp_runner(args)
    stdio_raw = lambda *extra: StdioServerParameters(command=sys.executable, args=[*DEMO_ARGS, *extra], cwd=ROOT)  # noqa: E731
    stdio_fast = lambda *extra: {"command": sys.executable, "args": [*DEMO_ARGS, *extra], "cwd": str(ROOT)}  # noqa: E731
    targets = {
        "stdio": (lambda: stdio_raw(), stdio_fast(), stdio_fast()),  # cwd: this checkout's demo, for every client
        "http": (lambda: http_url, {"url": http_url}, {"url": http_url}),
    }
    big = {
        "stdio": (stdio_raw("--tools", str(BIG_TOOLS)), stdio_fast("--tools", str(BIG_TOOLS)),
                  stdio_fast("--tools", str(BIG_TOOLS))),
        "http": (big_url, {"url": big_url}, {"url": big_url}),
    }  # fmt: skip
    results: dict[str, Any] = {"fastmcp_mode": mode, "calls": {}, "connect": {}, "listing": {}}
    wb = workbench(args.store, tmp, "peers")
    try:
        for transport, (raw_target, fast_target, options) in targets.items():
            await fast.open(fast_target)
            results["fastmcp_version"] = fast.version
            wb.connect(transport, **options)
            results["calls"][transport] = await bench_calls(wb, transport, raw_target, fast, args)
            results["connect"][transport] = await bench_connects(wb, options, raw_target, fast, args.repeats)
            raw_big, fast_big, options_big = big[transport]
            await fast.open(fast_big)
            results["listing"][transport] = await bench_listing(wb, options_big, raw_big, fast, args.listing_repeats)
    finally:
        await fast.close()
        close(wb)
    return results


_FULL = {"n": 2000, "rounds": 5, "warmup": 50, "repeats": 5, "listing_repeats": 12, "big_repeats": 3,
         "sdk_mb": [4, 8, 16], "small_n": 1000, "map_repeats": 4, "connect_repeats": 3, "load_repeats": 5}  # fmt: skip
_QUICK = {"n": 300, "rounds": 3, "warmup": 20, "repeats": 1, "listing_repeats": 5, "big_repeats": 1, "sdk_mb": [4],
          "small_n": 0, "map_repeats": 2, "connect_repeats": 1, "load_repeats": 3}  # fmt: skip


def _note(what: str, since: float) -> float:
    """A progress line on stderr (the report itself goes to stdout at the end)."""
    now = time.perf_counter()
    print(f"[peers {now - since:6.1f} s] {what}", file=sys.stderr, flush=True)
    return now


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer calls and repeats (unless given): --n 300 --rounds 3 --warmup 20 --repeats 1 "
                             "--listing-repeats 5 --big-repeats 1 --sdk-mb 4 --small-n 0 --map-repeats 2 "
                             "--connect-repeats 1 --load-repeats 3")  # fmt: skip
    parser.add_argument("--n", type=int, help="timed calls per client and transport (default 2000)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 5)")
    parser.add_argument("--warmup", type=int, help="untimed calls per client first (default 50)")
    parser.add_argument("--repeats", type=int, help="single connects per client (default 5)")
    parser.add_argument("--listing-repeats", type=int, help="rounds of listing 1,000 tools (default 12)")
    parser.add_argument("--load-repeats", type=int, help="fresh interpreters for %%load_ext (default 5)")
    parser.add_argument("--map-rows", type=int, default=1000, help="calls per wb.map / gather run (default 1000)")
    parser.add_argument("--map-repeats", type=int, help="alternating wb.map / gather runs (default 4)")
    parser.add_argument("--connect-servers", type=int, default=10, help="servers connected at once (default 10)")
    parser.add_argument("--connect-repeats", type=int, help="alternating load_config / gather runs (default 3)")
    parser.add_argument("--big-mb", type=float, default=50, help="the big result, MiB (default 50)")
    parser.add_argument("--big-repeats", type=int, help="big calls per path (default 3)")
    parser.add_argument("--sdk-mb", type=float, nargs="*", help="sizes for the SDK's stdio_client (default 4 8 16)")
    parser.add_argument("--small-n", type=int, help="small calls per client, SDK stdio vs ours (default 1000; 0 skips)")
    parser.add_argument("--store", choices=["sqlite", "memory"], default="sqlite",
                        help="the workbench's catalog: SQLite in a temporary directory (default) or none")  # fmt: skip
    parser.add_argument("--fastmcp-python", help="an interpreter with fastmcp, when it does not import here")
    parser.add_argument("--profile", action="store_true", help="always profile the imports of %%load_ext")
    parser.add_argument("--json", metavar="PATH", help="also write the numbers to PATH as JSON")
    args = parser.parse_args(argv)
    defaults = _QUICK if args.quick else _FULL
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.n < args.rounds or min(args.rounds, args.repeats, args.listing_repeats, args.map_repeats,
                                   args.connect_repeats, args.load_repeats) < 1:  # fmt: skip
        parser.error("--n must be at least --rounds, and every --...-repeats and --rounds at least 1")
    load_before = load_average()
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="mcp-bench-peers-") as tmp:
        port = stack.enter_context(demo_server("--http"))
        big_port = stack.enter_context(demo_server("--http", "--tools", str(BIG_TOOLS)))
        urls = f"http://127.0.0.1:{port}/mcp", f"http://127.0.0.1:{big_port}/mcp"
        start = _note("servers up; calls, connects, listings", time.perf_counter())
        results = asyncio.run(run_all(args, *urls, Path(tmp)))
        start = _note("wb.map vs gather", start)
        results["map"] = map_bench.run(args.store, Path(tmp), rows=args.map_rows, concurrency=32, sleep=0.02,
                                       repeats=args.map_repeats)  # fmt: skip
        start = _note("load_config vs gather of connects", start)
        results["connects"] = connects.run(args.store, Path(tmp), servers=args.connect_servers,
                                           repeats=args.connect_repeats)  # fmt: skip
        start = _note("big result and small calls on both stdio transports", start)
        results["big_result"] = big_result.run(
            args.store, Path(tmp), urls[0], mb=args.big_mb, repeats=args.big_repeats, sdk_sizes=args.sdk_mb,
            n=args.small_n, rounds=args.rounds, warmup=args.warmup,
        )  # fmt: skip
    results["load_before"] = load_before
    from importlib.metadata import version

    results["mcp_version"] = version("mcp")
    start = _note("%load_ext in fresh interpreters", start)
    results["load_ext"] = load_ext.bench(args.load_repeats)
    if args.profile or not load_ext.met(results["load_ext"]):
        results["load_ext"]["import_profile"] = load_ext.import_profile()
    _note("done", start)
    print(report(results, args))
    write_json(args.json, "peers", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
