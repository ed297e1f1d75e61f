"""The workbench against its peers: raw ``mcp.Client``, ``fastmcp.Client``, ``wb.call``, ``wb.acall``.

    python benchmarks/peers.py [--quick] [--n 2000] [--rounds 5] [--warmup 50] [--repeats 5]
                               [--big-mb 50] [--fastmcp-python PATH] [--profile] [--json PATH]

One run measures, on the same demo servers (``python -m mcp_workbench.demo``, over stdio and over
loopback Streamable HTTP):

- calls: N small calls (``add(1, 2)``) per client, in ``--rounds`` interleaved rounds whose
  order rotates, after ``--warmup`` untimed calls; medians, and each ratio to the raw client.
  Over stdio each client has its own server process (same command); over HTTP all share one.
- connect: ``--repeats`` fresh connects per client. The raw and fastmcp figures are the
  handshake only; ``wb.connect`` also loads every listing (tools, prompts, resources, templates,
  all pages), so "raw + listings" (the handshake, then the same listings) is shown as well.
- listing a server with 1,000 tools (``--tools 1000``, 21 pages of 50): raw ``list_tools``
  over every page, fastmcp ``list_tools()`` (it pages itself), ``wb.refresh`` (every listing
  again, the kinds concurrently) and ``wb.tools(server)`` (the DataFrame).
- a 50 MiB text result over stdio (our transport) vs loopback Streamable HTTP, the SDK's
  ``stdio_client`` at smaller sizes, and small calls on the SDK's stdio transport vs ours
  (``big_result.py``).
- ``%load_ext mcp_workbench`` over a bare IPython shell: the median of ``--load-repeats`` fresh
  interpreters, then their first ``%mcp`` line (``load_ext.py``); ``--profile`` (or a result over
  the target) adds ``python -X importtime`` of the load.

``--quick`` runs every figure with fewer calls and repeats (about two minutes on 2 CPUs); a
summary table of each ratio against its target closes the report.

fastmcp runs in this process when it imports here; otherwise ``--fastmcp-python`` (default:
``$FASTMCP_PYTHON``, or ``/tmp/fastmcp-venv/bin/python`` when it exists) names an interpreter
that has it, which runs ``_fastmcp_worker.py`` against the same servers in a subprocess, driven
round by round like the others. Targets: wb.call and wb.acall <= 1.05x raw; 50 MiB over stdio
<= 1.5x HTTP; %load_ext <= 0.25 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import big_result
import load_ext
from _common import ARGS, DEMO_ARGS, ROOT, check, close, demo_server, interleaved, load_average, raw_text
from _common import summary, timed_async, timed_sync, workbench, write_json
from _fastmcp_worker import FastMCPBench
from mcp import Client, StdioServerParameters

import mcp_workbench
from mcp_workbench import Workbench

TARGET_CALL_RATIO = 1.05
BIG_TOOLS = 1000
_DEFAULT_VENV_PYTHON = "/tmp/fastmcp-venv/bin/python"


# ------------------------------------------------------------------------------------ fastmcp
class FastMCPProcess:
    """``FastMCPBench`` in another interpreter, with the same async methods."""

    def __init__(self, python: str, target: dict[str, Any]) -> None:
        self.python, self.target = python, target
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

    async def open(self) -> None:
        worker = Path(__file__).with_name("_fastmcp_worker.py")
        self._proc = await asyncio.create_subprocess_exec(
            self.python, str(worker), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT
        )
        self.version = (await self._ask({"op": "open", "target": self.target}))["version"]

    async def close(self) -> None:
        if self._proc is not None and self._proc.stdin is not None:
            self._proc.stdin.write(b'{"op": "quit"}\n')
            await self._proc.stdin.drain()
            await asyncio.wait_for(self._proc.wait(), 30)

    async def calls(self, n: int) -> list[float]:
        return (await self._ask({"op": "calls", "n": n}))["samples"]

    async def connects(self, n: int) -> list[float]:
        return (await self._ask({"op": "connects", "n": n}))["samples"]

    async def list_tools(self, n: int) -> dict[str, Any]:
        return await self._ask({"op": "list_tools", "n": n})


def fastmcp_runner(args: argparse.Namespace) -> tuple[str, Callable[[dict[str, Any]], Any]]:
    """How fastmcp runs here: ("in-process", FastMCPBench) or ("subprocess: PATH", FastMCPProcess)."""
    try:
        import fastmcp  # noqa: F401
    except ImportError:
        python = args.fastmcp_python or os.environ.get("FASTMCP_PYTHON") or _DEFAULT_VENV_PYTHON
        if not Path(python).exists():
            raise SystemExit(f"fastmcp does not import here and there is no {python}: pass --fastmcp-python") from None
        return f"subprocess ({python})", lambda target: FastMCPProcess(python, target)
    return "in-process", FastMCPBench


# ------------------------------------------------------------------------------------ calls
async def bench_calls(wb: Workbench, name: str, raw_target: Any, fast: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Interleaved rounds of N/rounds calls per client; every client warmed up first."""
    kinds = ["raw mcp.Client", "fastmcp.Client", "wb.call", "wb.acall"]
    async with Client(raw_target, cache=None) as raw:

        async def raw_call() -> None:
            check(raw_text(await raw.call_tool("add", ARGS)))

        def wb_call() -> None:
            check(wb.call(f"{name}.add", a=1, b=2).text)

        async def wb_acall() -> None:
            check((await wb.acall(f"{name}.add", a=1, b=2)).text)

        async def run(kind: str, count: int, out: list[float]) -> None:
            if kind == "raw mcp.Client":
                await timed_async(raw_call, count, out)
            elif kind == "fastmcp.Client":
                out.extend(await fast.calls(count))
            elif kind == "wb.call":
                timed_sync(wb_call, count, out)  # blocks this loop's thread, as a notebook cell does
            else:
                await timed_async(wb_acall, count, out)

        samples, per_round = await interleaved(run, kinds, args.n, args.rounds, args.warmup)
    stats = {kind: summary(values) for kind, values in samples.items()}
    raw_median = stats["raw mcp.Client"]["median_ms"]
    for kind in kinds:
        stats[kind]["ratio"] = stats[kind]["median_ms"] / raw_median
        stats[kind]["round_ratios"] = [w / r for w, r in zip(per_round[kind], per_round["raw mcp.Client"], strict=True)]
    return stats


# ------------------------------------------------------------------------------------ connect
async def _all_pages(fetch: Callable[..., Awaitable[Any]], attr: str) -> int:
    count, cursor = 0, None
    while True:
        page = await fetch(cursor=cursor)
        count += len(getattr(page, attr))
        cursor = page.next_cursor
        if not cursor:
            return count


async def _raw_listings(client: Client) -> None:
    caps = client.server_capabilities
    await asyncio.gather(
        _all_pages(client.list_tools, "tools"),
        _all_pages(client.list_prompts, "prompts") if caps.prompts else asyncio.sleep(0),
        _all_pages(client.list_resources, "resources") if caps.resources else asyncio.sleep(0),
        _all_pages(client.list_resource_templates, "resource_templates") if caps.resources else asyncio.sleep(0),
    )


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
                    await _raw_listings(client)
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
    """Every tool of the ``--tools 1000`` demo (its own and 1,000 generated), ``repeats`` times per client."""
    samples: dict[str, list[float]] = {"raw mcp.Client": [], "fastmcp.Client": [], "wb.refresh": [],
                                       "wb.refresh + wb.tools()": []}  # fmt: skip
    counts: dict[str, int] = {}
    async with Client(raw_target, cache=None) as raw:
        for _ in range(repeats):
            t0 = time.perf_counter()
            counts["raw mcp.Client"] = await _all_pages(raw.list_tools, "tools")
            samples["raw mcp.Client"].append((time.perf_counter() - t0) * 1000)
    listed = await fast.list_tools(repeats)
    samples["fastmcp.Client"], counts["fastmcp.Client"] = listed["samples"], listed["count"]
    t0 = time.perf_counter()
    wb.connect("big", **options)
    connect_ms = (time.perf_counter() - t0) * 1000
    for _ in range(repeats):
        t0 = time.perf_counter()
        wb.refresh("big")
        t1 = time.perf_counter()
        counts["wb.refresh"] = counts["wb.refresh + wb.tools()"] = len(wb.tools("big"))
        t2 = time.perf_counter()
        samples["wb.refresh"].append((t1 - t0) * 1000)
        samples["wb.refresh + wb.tools()"].append((t2 - t0) * 1000)
    wb.disconnect("big")
    stats = {kind: {**summary(values), "tools": counts[kind]} for kind, values in samples.items()}
    for kind in stats:
        stats[kind]["ratio"] = stats[kind]["median_ms"] / stats["raw mcp.Client"]["median_ms"]
    stats["wb.connect_ms"] = connect_ms  # start (stdio) + handshake + every listing, once
    return stats


# ------------------------------------------------------------------------------------ report
def _rows(title: str, stats: dict[str, Any], rounds: bool = False) -> list[str]:
    lines = [title, f"  {'client':<34} {'n':>5} {'median ms':>10} {'p10 ms':>8} {'p90 ms':>8} {'vs raw':>7}"]
    for kind, s in stats.items():
        if not isinstance(s, dict):
            continue
        extra = ""
        if rounds and kind != "raw mcp.Client":
            extra = "  rounds " + " ".join(f"{r:.2f}" for r in s["round_ratios"])
        if "tools" in s:
            extra += f"  ({s['tools']} tools)"
        lines.append(f"  {kind:<34} {s['n']:>5} {s['median_ms']:>10.3f} {s['p10_ms']:>8.3f} {s['p90_ms']:>8.3f} "
                     f"{s['ratio']:>6.2f}x{extra}")  # fmt: skip
    return lines


def report(results: dict[str, Any], args: argparse.Namespace) -> str:
    lines = [
        f"mcp-workbench {mcp_workbench.__version__} vs peers: demo server (python -m mcp_workbench.demo), add(1, 2)",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; fastmcp {results['fastmcp_version']} "
        f"({results['fastmcp_mode']}); mcp {results['mcp_version']}; catalog store: {args.store}; "
        f"load average before: {results['load_before']}, after: {load_average()}",
        "",
    ]
    verdicts = []
    for transport in ("stdio", "http"):
        calls = results["calls"][transport]
        lines += _rows(f"calls over {transport}: N={args.n} per client, {args.rounds} interleaved rounds, "
                       f"{args.warmup} warm-up calls", calls, rounds=True)  # fmt: skip
        worst = max(calls["wb.call"]["ratio"], calls["wb.acall"]["ratio"])
        verdicts.append(f"{transport}: worst {worst:.2f}x -> " + ("met" if worst <= TARGET_CALL_RATIO else "NOT met"))
        lines.append("")
    lines.insert(-1, f"target wb.call / wb.acall <= {TARGET_CALL_RATIO:.2f}x raw: " + "; ".join(verdicts))
    for transport in ("stdio", "http"):
        lines += _rows(f"connect over {transport} (median of {args.repeats})", results["connect"][transport])
    lines.append("")
    for transport in ("stdio", "http"):
        listing = results["listing"][transport]
        lines += _rows(f"listing {BIG_TOOLS:,} tools over {transport} (median of {args.repeats})", listing)
        lines.append(f"  and wb.connect of that server (start, handshake, every listing), once: "
                     f"{listing['wb.connect_ms']:.0f} ms")  # fmt: skip
    lines += ["", *big_result.report_lines(results["big_result"]), "", *load_ext.report_lines(results["load_ext"])]
    lines += ["", *summary_table(results)]
    return "\n".join(lines)


def summary_table(results: dict[str, Any]) -> list[str]:
    """One line per figure with a target: its value, the target, PASS or FAIL."""
    rows: list[tuple[str, float, str, bool]] = []
    for transport in ("stdio", "http"):
        for kind in ("wb.call", "wb.acall"):
            ratio = results["calls"][transport][kind]["ratio"]
            rows.append((f"{kind} / raw over {transport} (wall)", ratio, f"<= {TARGET_CALL_RATIO:.2f}x",
                         ratio <= TARGET_CALL_RATIO))  # fmt: skip
    rows += big_result.summary_rows(results["big_result"]) + load_ext.summary_rows(results["load_ext"])
    lines = [f"summary ({os.cpu_count()} CPUs, load average now {load_average()})",
             f"  {'figure':<42} {'value':>8}  {'target':<10} verdict"]  # fmt: skip
    lines += [f"  {name:<42} {value:>8.2f}  {target:<10} {'PASS' if ok else 'FAIL'}" for name, value, target, ok in rows]
    return lines


async def run_all(args: argparse.Namespace, http_url: str, big_url: str, tmp: Path) -> dict[str, Any]:
    mode, make_fast = fastmcp_runner(args)
    stdio_raw = lambda *extra: StdioServerParameters(command=sys.executable, args=[*DEMO_ARGS, *extra], cwd=ROOT)  # noqa: E731
    stdio_fast = lambda *extra: {"command": sys.executable, "args": [*DEMO_ARGS, *extra], "cwd": str(ROOT)}  # noqa: E731
    targets = {
        "stdio": (lambda: stdio_raw(), stdio_fast(), {"command": sys.executable, "args": DEMO_ARGS}),
        "http": (lambda: http_url, {"url": http_url}, {"url": http_url}),
    }
    big = {
        "stdio": (stdio_raw("--tools", str(BIG_TOOLS)), stdio_fast("--tools", str(BIG_TOOLS)),
                  {"command": sys.executable, "args": [*DEMO_ARGS, "--tools", str(BIG_TOOLS)]}),
        "http": (big_url, {"url": big_url}, {"url": big_url}),
    }  # fmt: skip
    results: dict[str, Any] = {"fastmcp_mode": mode, "calls": {}, "connect": {}, "listing": {}}
    wb = workbench(args.store, tmp, "peers")
    try:
        for transport, (raw_target, fast_target, options) in targets.items():
            fast = make_fast(fast_target)
            await fast.open()
            results["fastmcp_version"] = fast.version
            try:
                wb.connect(transport, **options)
                results["calls"][transport] = await bench_calls(wb, transport, raw_target(), fast, args)
                results["connect"][transport] = await bench_connects(wb, options, raw_target, fast, args.repeats)
            finally:
                await fast.close()
            raw_big, fast_big, options_big = big[transport]
            fast = make_fast(fast_big)
            await fast.open()
            try:
                results["listing"][transport] = await bench_listing(wb, options_big, raw_big, fast, args.repeats)
            finally:
                await fast.close()
    finally:
        close(wb)
    return results


_FULL = {"n": 2000, "rounds": 5, "warmup": 50, "repeats": 5, "big_repeats": 3, "sdk_mb": [4, 8, 16], "small_n": 1000}
_QUICK = {"n": 300, "rounds": 3, "warmup": 20, "repeats": 2, "big_repeats": 1, "sdk_mb": [4], "small_n": 200}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer calls and repeats (unless given): --n 300 --rounds 3 --warmup 20 --repeats 2 "
                             "--big-repeats 1 --sdk-mb 4 --small-n 200")  # fmt: skip
    parser.add_argument("--n", type=int, help="timed calls per client and transport (default 2000)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 5)")
    parser.add_argument("--warmup", type=int, help="untimed calls per client first (default 50)")
    parser.add_argument("--repeats", type=int, help="connects and listings (default 5)")
    parser.add_argument("--load-repeats", type=int, default=5, help="fresh interpreters for %%load_ext (default 5)")
    parser.add_argument("--big-mb", type=float, default=50, help="the big result, MiB (default 50)")
    parser.add_argument("--big-repeats", type=int, help="big calls per path (default 3)")
    parser.add_argument("--sdk-mb", type=float, nargs="*", help="sizes for the SDK's stdio_client (default 4 8 16)")
    parser.add_argument("--small-n", type=int, help="small calls per client, SDK stdio vs ours (default 1000)")
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
    if args.n < args.rounds or args.rounds < 1 or args.repeats < 1:
        parser.error("--n must be at least --rounds, and --rounds and --repeats at least 1")
    load_before = load_average()
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="mcp-bench-peers-") as tmp:
        port = stack.enter_context(demo_server("--http"))
        big_port = stack.enter_context(demo_server("--http", "--tools", str(BIG_TOOLS)))
        urls = f"http://127.0.0.1:{port}/mcp", f"http://127.0.0.1:{big_port}/mcp"
        results = asyncio.run(run_all(args, *urls, Path(tmp)))
        results["big_result"] = big_result.run(
            args.store, Path(tmp), urls[0], mb=args.big_mb, repeats=args.big_repeats, sdk_sizes=args.sdk_mb,
            n=args.small_n, rounds=args.rounds, warmup=args.warmup,
        )  # fmt: skip
    results["load_before"] = load_before
    from importlib.metadata import version

    results["mcp_version"] = version("mcp")
    results["load_ext"] = load_ext.bench(args.load_repeats)
    if args.profile or not load_ext.met(results["load_ext"]):
        results["load_ext"]["import_profile"] = load_ext.import_profile()
    print(report(results, args))
    write_json(args.json, "peers", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
