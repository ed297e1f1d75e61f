"""``wb.map`` against a plain loop of ``wb.call``: 1,000 rows on a tool that sleeps 20 ms.

    python benchmarks/map.py [--rows 1000] [--concurrency 32] [--sleep 0.02] [--store sqlite|memory]

One stdio demo server (``python -m mcp_workbench.demo``), tool ``slow`` with ``seconds=0.02,
steps=1`` (it sleeps 20 ms and sends one log message). Both are measured in one run, on the same
connection: first ``wb.map("demo.slow", df, seconds="seconds", constants={"steps": 1},
concurrency=32)``, then the same rows one by one with ``wb.call``. Target: map >= 25x faster.

On a small machine the ceiling is CPU, not the sleep: with 32 calls in flight every call costs
the server and the client their JSON-RPC work (the SDK's stdio server hands each line to a worker
thread), so the map cannot finish faster than rows x (server + client CPU per call) / cores.
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

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python benchmarks/map.py` from a checkout
    sys.path.insert(0, str(ROOT))

from mcp_workbench import Workbench
from mcp_workbench.repro.api import ReproAPI, repro

TARGET_SPEEDUP = 25.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--sleep", type=float, default=0.02, help="seconds the tool sleeps per call")
    parser.add_argument("--store", choices=("sqlite", "memory"), default="sqlite")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        wb = Workbench(idle_timeout=None, store=False if args.store == "memory" else Path(tmp) / "catalog.sqlite")
        api: ReproAPI = repro(wb)
        try:
            wb.connect("demo", command="python", args=["-m", "mcp_workbench.demo"])
            df = pd.DataFrame({"seconds": [args.sleep] * args.rows})
            wb.call("demo.slow", seconds=args.sleep, steps=1)  # warm-up

            t0 = time.perf_counter()
            out = api.map("demo.slow", df, seconds="seconds", constants={"steps": 1},
                          concurrency=args.concurrency, progress=False)  # fmt: skip
            mapped = time.perf_counter() - t0
            failed = int(out["is_error"].sum())

            t0 = time.perf_counter()
            for seconds in df["seconds"]:
                wb.call("demo.slow", seconds=float(seconds), steps=1)
            looped = time.perf_counter() - t0
        finally:
            wb.close()
            if wb.catalog_store is not None:
                wb.catalog_store.close()

    speedup = looped / mapped
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, store {args.store}")
    print(f"rows {args.rows}, tool demo.slow sleeping {args.sleep * 1000:.0f} ms")
    print(f"wb.map concurrency={args.concurrency}: {mapped:7.2f} s  ({args.rows / mapped:7.1f} rows/s, {failed} failed)")
    print(f"loop of wb.call:          {looped:7.2f} s  ({args.rows / looped:7.1f} rows/s)")
    print(f"speed-up: {speedup:.1f}x (target >= {TARGET_SPEEDUP:g}x) {'OK' if speedup >= TARGET_SPEEDUP else 'BELOW TARGET'}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
