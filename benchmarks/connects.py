"""Ten stdio servers at once: ``wb.load_config`` against ``asyncio.gather`` of ten raw ``mcp.Client`` connects.

    python benchmarks/connects.py [--servers 10] [--repeats 3] [--store sqlite|memory] [--json PATH]

Both start the same ten demo servers (``python -m mcp_workbench.demo``, stdio) and are timed
until every server is connected with its listings, alternating ``--repeats`` times; closing
is not timed (the servers are stopped between runs):

- raw: one task per server enters ``async with mcp.Client(StdioServerParameters(...))`` and reads
  every listing the server advertises (tools, prompts, resources, templates, all pages); the
  figure is the time until all ten have done so.
- workbench: ``wb.load_config(path)`` of an ``mcpServers`` file with the same ten entries (it
  returns the servers DataFrame once every server is connected and listed).

Target: the workbench <= 1.1x the raw gather (median of the per-run ratios). On a small machine
both are bound by the servers' own start-up (ten Python interpreters importing the SDK).
``peers.py`` runs ``run`` and prints ``report_lines`` and ``summary_rows``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _common import DEMO_ARGS, ROOT, add_output_options, print_report, with_workbench
from mcp import Client, StdioServerParameters

from mcp_workbench import Workbench

TARGET_CONNECT_RATIO = 1.1


async def all_pages(fetch: Callable[..., Awaitable[Any]], attr: str) -> int:
    """Every page of one listing; the number of items."""
    count, cursor = 0, None
    while True:
        page = await fetch(cursor=cursor)
        count += len(getattr(page, attr))
        cursor = page.next_cursor
        if not cursor:
            return count


async def raw_listings(client: Client) -> int:
    """What a connect (or a refresh) loads: every listing the server's capabilities advertise,
    concurrently; the number of tools."""
    caps = client.server_capabilities
    tools, *_ = await asyncio.gather(
        all_pages(client.list_tools, "tools"),
        all_pages(client.list_prompts, "prompts") if caps.prompts else asyncio.sleep(0),
        all_pages(client.list_resources, "resources") if caps.resources else asyncio.sleep(0),
        all_pages(client.list_resource_templates, "resource_templates") if caps.resources else asyncio.sleep(0),
    )
    return tools


async def _raw_gather(servers: int) -> float:
    """Seconds until ``servers`` raw clients are all connected and listed (their closing not timed)."""
    params = StdioServerParameters(command=sys.executable, args=DEMO_ARGS, cwd=ROOT)
    stop = asyncio.Event()
    ready: list[asyncio.Future[None]] = [asyncio.get_running_loop().create_future() for _ in range(servers)]

    async def hold(done: asyncio.Future[None]) -> None:  # a client enters and leaves in one task
        try:
            async with Client(params, cache=None) as client:
                await raw_listings(client)
                done.set_result(None)
                await stop.wait()
        except BaseException as exc:
            if not done.done():
                done.set_exception(exc)
            raise

    t0 = time.perf_counter()
    tasks = [asyncio.create_task(hold(done)) for done in ready]
    try:
        await asyncio.gather(*ready)
        return time.perf_counter() - t0
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


def _load_config(wb: Workbench, config: Path, servers: int) -> float:
    t0 = time.perf_counter()
    frame = wb.load_config(config)
    took = time.perf_counter() - t0
    connected = int((frame["status"] == "connected").sum())
    for name in frame["name"]:
        wb.disconnect(name)
    if connected != servers:
        raise AssertionError(f"load_config connected {connected} of {servers} servers:\n{frame}")
    return took


async def bench(wb: Workbench, tmp: Path, servers: int, repeats: int) -> dict[str, Any]:
    config = tmp / "ten.json"
    entry = {"command": sys.executable, "args": DEMO_ARGS, "cwd": str(ROOT)}
    config.write_text(json.dumps({"mcpServers": {f"demo{i}": entry for i in range(servers)}}))
    samples: dict[str, list[float]] = {"raw gather": [], "wb.load_config": []}
    for i in range(repeats):
        for kind in (("raw gather", "wb.load_config") if i % 2 == 0 else ("wb.load_config", "raw gather")):
            took = await _raw_gather(servers) if kind == "raw gather" else _load_config(wb, config, servers)
            samples[kind].append(took)
    ratios = [w / r for w, r in zip(samples["wb.load_config"], samples["raw gather"], strict=True)]
    return {"servers": servers, "repeats": repeats, "samples_s": {k: [round(v, 3) for v in s] for k, s in samples.items()},
            "median_s": {k: statistics.median(s) for k, s in samples.items()},
            "ratios": [round(r, 3) for r in ratios], "ratio": statistics.median(ratios)}  # fmt: skip


def run(store: str, tmp: Path, *, servers: int, repeats: int) -> dict[str, Any]:
    """``bench`` with a workbench of its own; the load average around it."""

    def work(wb: Workbench) -> dict[str, Any]:
        wb.servers()  # pandas and the catalog loaded: the first load_config should not pay for them
        import jsonschema  # noqa: F401  (the workbench preloads it at its first connect: a one-off, not timed here)

        return asyncio.run(bench(wb, tmp, servers, repeats))

    return with_workbench(store, tmp, "connects", work)


def report_lines(results: dict[str, Any]) -> list[str]:
    lines = [
        f"{results['servers']} stdio servers at once, until all are connected with their listings: wb.load_config vs "
        f"asyncio.gather of raw mcp.Client connects, {results['repeats']} alternating runs each "
        f"({results['cpus']} CPUs, load average {results['load_before']} -> {results['load_after']})",
    ]
    for kind in ("raw gather", "wb.load_config"):
        lines.append(f"  {kind:<34} median {results['median_s'][kind]:7.3f} s  {results['samples_s'][kind]}")
    ok = results["ratio"] <= TARGET_CONNECT_RATIO
    lines.append(f"  wb.load_config / raw gather: {results['ratio']:.2f}x (runs {results['ratios']}; target <= "
                 f"{TARGET_CONNECT_RATIO:.1f}x) -> {'PASS' if ok else 'FAIL'}")  # fmt: skip
    return lines


def summary_rows(results: dict[str, Any]) -> list[tuple[str, float, str, bool]]:
    """(figure, ratio, target, met) for a summary table."""
    ratio = results["ratio"]
    return [(f"load_config of {results['servers']} / raw gather", ratio, f"<= {TARGET_CONNECT_RATIO:.1f}x",
             ratio <= TARGET_CONNECT_RATIO)]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=10, help="servers connected at once (default 10)")
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs per client (default 3)")
    add_output_options(parser)
    args = parser.parse_args(argv)
    if args.servers < 1 or args.repeats < 1:
        parser.error("--servers and --repeats must be at least 1")
    with tempfile.TemporaryDirectory(prefix="mcp-bench-connects-") as tmp:
        results = run(args.store, Path(tmp), servers=args.servers, repeats=args.repeats)
    print_report("connects", report_lines(results), results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
