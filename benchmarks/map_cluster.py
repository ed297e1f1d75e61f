"""``wb.map`` on Dask ``LocalCluster``s of 1, 2, 4 ... N workers, against the local map.

    python benchmarks/map_cluster.py [--cluster 4] [--rows 2000] [--concurrency 32] [--sleep 0.02]
                                     [--store sqlite|memory]

One stdio demo server (``python -m mcp_workbench.demo``), tool ``slow`` with ``seconds=0.02,
steps=1`` (it sleeps 20 ms and sends one log message). Each worker process starts its own demo
server; the cluster is started and warmed up (every worker connected) before the clock starts, so
the figure is rows/s of the map itself.

On a small machine the ceiling is CPU, not the sleep: every call costs the server and the client
their JSON-RPC work, so rows/s cannot grow past cores / (CPU per call), however many workers.
``map.py`` measures the local map against a raw ``asyncio.gather``.
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


def worker_counts(most: int) -> list[int]:
    """1, 2, 4 ... and ``most`` itself."""
    counts, n = [], 1
    while n <= most:
        counts.append(n)
        n *= 2
    if counts[-1] != most:
        counts.append(most)
    return counts


def on_cluster(args: argparse.Namespace, wb: Workbench, df: pd.DataFrame) -> int:
    """Rows/s locally, then on each cluster size; the number of failed rows."""
    from dask.distributed import Client, LocalCluster

    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    t0 = time.perf_counter()
    wb.map("demo.slow", df, seconds="seconds", constants={"steps": 1}, concurrency=args.concurrency, progress=False)
    base = args.rows / (time.perf_counter() - t0)
    print(f"{'local (no Dask)':>18}: {base:8.1f} rows/s")
    failed = 0
    for workers in worker_counts(args.cluster):
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
    parser.add_argument("--cluster", type=int, default=4, metavar="N", help="LocalClusters of 1, 2, 4 ... N workers")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--sleep", type=float, default=0.02, help="seconds the tool sleeps per call")
    parser.add_argument("--store", choices=("sqlite", "memory"), default="sqlite")
    args = parser.parse_args(argv)
    if args.cluster < 1 or args.rows < 1:
        parser.error("--cluster and --rows must be at least 1")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {load_average()}, "
          f"Python {platform.python_version()}, store {args.store}")  # fmt: skip
    print(f"rows {args.rows}, tool demo.slow sleeping {args.sleep * 1000:.0f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        wb = workbench(args.store, Path(tmp), "map")
        try:
            wb.connect("demo", command=sys.executable, args=DEMO_ARGS)
            df = pd.DataFrame({"seconds": [args.sleep] * args.rows})
            wb.call("demo.slow", seconds=args.sleep, steps=1)  # warm-up
            failed = on_cluster(args, wb, df)
        finally:
            close(wb)
    print(f"load average after: {load_average()}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
