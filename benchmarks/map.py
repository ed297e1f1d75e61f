"""``wb.map`` against a plain loop of ``wb.call`` (1,000 rows, a tool that sleeps 20 ms), and
``wb.map`` on a Dask cluster with 1, 2 and 4 workers.

    python benchmarks/map.py [--rows 1000] [--concurrency 32] [--sleep 0.02] [--store sqlite|memory]
    python benchmarks/map.py --cluster 4 [--rows 2000]     # rows/s on LocalClusters of 1, 2, 4 workers

One stdio demo server (``python -m mcp_workbench.demo``), tool ``slow`` with ``seconds=0.02,
steps=1`` (it sleeps 20 ms and sends one log message). Local: ``wb.map`` with ``concurrency=32``,
then the same rows one by one with ``wb.call``, on the same connection; target map >= 25x faster.
``--cluster N``: a ``LocalCluster`` of 1, 2, 4 ... N worker processes (one thread each), each
worker starting its own demo server; the cluster is started and warmed up (every worker
connected) before the clock starts, so the figure is rows/s of the map itself.

On a small machine the ceiling is CPU, not the sleep: every call costs the server and the client
their JSON-RPC work, so rows/s cannot grow past cores / (CPU per call), however many workers.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from _common import DEMO_ARGS, ROOT, close, load_average, workbench

from mcp_workbench import Workbench

TARGET_SPEEDUP = 25.0


def local(args: argparse.Namespace, wb: Workbench, df: pd.DataFrame) -> int:
    t0 = time.perf_counter()
    out = wb.map("demo.slow", df, seconds="seconds", constants={"steps": 1}, concurrency=args.concurrency, progress=False)
    mapped = time.perf_counter() - t0
    failed = int(out["is_error"].sum())
    t0 = time.perf_counter()
    for seconds in df["seconds"]:
        wb.call("demo.slow", seconds=float(seconds), steps=1)
    looped = time.perf_counter() - t0
    speedup = looped / mapped
    print(f"wb.map concurrency={args.concurrency}: {mapped:7.2f} s  ({args.rows / mapped:7.1f} rows/s, {failed} failed)")
    print(f"loop of wb.call:          {looped:7.2f} s  ({args.rows / looped:7.1f} rows/s)")
    print(f"speed-up: {speedup:.1f}x (target >= {TARGET_SPEEDUP:g}x) {'OK' if speedup >= TARGET_SPEEDUP else 'BELOW TARGET'}")
    return failed


def on_cluster(args: argparse.Namespace, wb: Workbench, df: pd.DataFrame) -> int:
    from dask.distributed import Client, LocalCluster

    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    t0 = time.perf_counter()
    wb.map("demo.slow", df, seconds="seconds", constants={"steps": 1}, concurrency=args.concurrency, progress=False)
    base = args.rows / (time.perf_counter() - t0)
    print(f"{'local (no Dask)':>18}: {base:8.1f} rows/s")
    failed, counts, n = 0, [], 1
    while n <= args.cluster:
        counts.append(n)
        n *= 2
    if counts[-1] != args.cluster:
        counts.append(args.cluster)
    for workers in counts:
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
                Client(cluster) as client:  # fmt: skip
            warm = pd.DataFrame({"seconds": [args.sleep] * (workers * 8)})
            wb.map("demo.slow", warm, seconds="seconds", constants={"steps": 1}, cluster=client, progress=False)
            t0 = time.perf_counter()
            out = wb.map("demo.slow", df, seconds="seconds", constants={"steps": 1}, cluster=client,
                         concurrency=args.concurrency, progress=False)  # fmt: skip
            elapsed = time.perf_counter() - t0
            failed += int(out["is_error"].sum())
            used = out["worker"].nunique()
            print(f"{workers:>3} Dask worker{'s' if workers > 1 else ' '} ({used} used): {args.rows / elapsed:8.1f} rows/s"
                  f"  ({elapsed:6.2f} s, {int(out['is_error'].sum())} failed)")  # fmt: skip
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--sleep", type=float, default=0.02, help="seconds the tool sleeps per call")
    parser.add_argument("--store", choices=("sqlite", "memory"), default="sqlite")
    parser.add_argument("--cluster", type=int, default=0, metavar="N",
                        help="measure on LocalClusters of 1, 2, 4 ... N workers instead of the local loop")
    args = parser.parse_args(argv)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {load_average()}, "
          f"Python {platform.python_version()}, store {args.store}")  # fmt: skip
    print(f"rows {args.rows}, tool demo.slow sleeping {args.sleep * 1000:.0f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        wb = workbench(args.store, Path(tmp), "map")
        try:
            wb.connect("demo", command=sys.executable, args=DEMO_ARGS)
            df = pd.DataFrame({"seconds": [args.sleep] * args.rows})
            wb.call("demo.slow", seconds=args.sleep, steps=1)  # warm-up
            failed = on_cluster(args, wb, df) if args.cluster else local(args, wb, df)
        finally:
            close(wb)
    print(f"load average after: {load_average()}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
