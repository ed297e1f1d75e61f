"""What ``%load_ext mcp_workbench`` costs over a bare IPython shell, in fresh interpreters.

    python benchmarks/load_ext.py [--repeats 5] [--profile] [--json PATH]

Each run is a new interpreter that creates an IPython ``InteractiveShell`` (not timed: that is the
bare shell), then times ``%load_ext mcp_workbench``; the figure is the median of ``--repeats``
runs (target: 0.25 s). The same runs then time the first ``%mcp servers``, which creates the
workbench (the MCP SDK, pandas, the catalog, the engine thread): the cost the load no longer pays.
A first run, not counted, creates the catalog. ``--profile`` (or a median over the target) adds
``python -X importtime`` of the load: which imports cost what, and which of our modules pulled
them in. ``peers.py`` runs ``bench`` and prints ``report_lines``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from typing import Any

from _common import ROOT, load_average, write_json

TARGET_LOAD_MS = 250.0

_LOAD_SCRIPT = """
import sys, time
from IPython.core.interactiveshell import InteractiveShell
ip = InteractiveShell.instance()
sys.stderr.write("@@load_ext@@\\n")
sys.stderr.flush()
t0 = time.perf_counter()
ip.run_line_magic("load_ext", "mcp_workbench")
t1 = time.perf_counter()
sys.stderr.write("@@first_use@@\\n")
sys.stderr.flush()
if ip.run_cell("%mcp servers").error_in_exec is not None:
    raise SystemExit("%mcp servers failed")
t2 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t1) * 1000)
"""


def _env(home: str) -> dict[str, str]:
    pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": pythonpath, "MCP_WORKBENCH_HOME": home}


def bench(repeats: int) -> dict[str, Any]:
    """Median ``%load_ext`` (and first ``%mcp`` line) of ``repeats`` fresh interpreters."""
    load, first = [], []
    before = load_average()
    with tempfile.TemporaryDirectory(prefix="mcp-bench-load-") as home:
        for i in range(repeats + 1):
            done = subprocess.run([sys.executable, "-c", _LOAD_SCRIPT], env=_env(home), cwd=ROOT, capture_output=True,
                                  text=True, timeout=120, check=True)  # fmt: skip
            load_ms, first_ms = map(float, done.stdout.split()[-2:])
            if i:  # run 0 creates the catalog
                load.append(load_ms)
                first.append(first_ms)
    return {"samples_ms": load, "median_ms": statistics.median(load), "first_use_samples_ms": first,
            "first_use_median_ms": statistics.median(first), "cpus": os.cpu_count(),
            "load_before": before, "load_after": load_average()}  # fmt: skip


def import_profile(min_ms: float = 10.0) -> list[str]:
    """``python -X importtime`` of ``%load_ext``: imports of >= ``min_ms``, each with the chain of
    our modules that pulled it in."""
    with tempfile.TemporaryDirectory(prefix="mcp-bench-imports-") as home:
        subprocess.run([sys.executable, "-c", _LOAD_SCRIPT], env=_env(home), cwd=ROOT, capture_output=True, timeout=120, check=False)
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", _LOAD_SCRIPT], env=_env(home), cwd=ROOT,
                             capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    text = out.stderr.split("@@load_ext@@", 1)[-1].split("@@first_use@@", 1)[0]
    parent: dict[int, int] = {}  # node index -> its importer's index
    nodes: list[tuple[str, int]] = []  # (module, cumulative us), in the order importtime prints them
    pending: dict[int, list[int]] = {}  # children (printed first) waiting for their importer, by depth
    for line in text.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self_us, cum_us, name = line.split(":", 1)[1].split("|", 2)
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2  # " " then two spaces per level
        index = len(nodes)
        nodes.append((name.strip(), int(cum_us)))
        for child in pending.pop(depth + 1, []):
            parent[child] = index
        pending.setdefault(depth, []).append(index)
    total_ms = sum(nodes[i][1] for i in pending.get(0, [])) / 1000
    lines = [f"imports during %load_ext (python -X importtime, slower than a plain run): {total_ms:.0f} ms in total;",
             f"third-party imports of >= {min_ms:.0f} ms, each with the chain of our modules that pulled it in:"]
    for index, (name, cum_us) in sorted(enumerate(nodes), key=lambda item: -item[1][1]):
        importer = parent.get(index)
        if name.startswith("mcp_workbench") or cum_us < min_ms * 1000 or importer is None:
            continue
        if not nodes[importer][0].startswith("mcp_workbench"):
            continue
        chain = []
        while importer is not None and nodes[importer][0].startswith("mcp_workbench"):
            chain.append(nodes[importer][0].removeprefix("mcp_workbench.") or "mcp_workbench")
            importer = parent.get(importer)
        lines.append(f"  {name:<28} {cum_us / 1000:7.0f} ms  <- " + " <- ".join(chain))
    ours = {name: cum for name, cum in nodes if name.startswith("mcp_workbench")}
    top = sorted(ours.items(), key=lambda item: -item[1])[:8]
    lines.append("our modules, cumulative: " + ", ".join(f"{n.removeprefix('mcp_workbench.')} {c / 1000:.0f} ms"
                                                       for n, c in top))  # fmt: skip
    return lines


def met(results: dict[str, Any]) -> bool:
    return results["median_ms"] <= TARGET_LOAD_MS


def report_lines(results: dict[str, Any]) -> list[str]:
    samples = ", ".join(f"{v:.0f}" for v in results["samples_ms"])
    first = ", ".join(f"{v:.0f}" for v in results["first_use_samples_ms"])
    return [
        f"%load_ext mcp_workbench over a bare IPython shell (shell creation not timed), fresh interpreters "
        f"({results['cpus']} CPUs, load average {results['load_before']} -> {results['load_after']}):",
        f"  median {results['median_ms']:.0f} ms of {len(results['samples_ms'])} ({samples}) -> target "
        f"{TARGET_LOAD_MS:.0f} ms " + ("PASS" if met(results) else "FAIL"),
        f"  then the first %mcp line (%mcp servers: creates the workbench, imports the SDK and pandas, opens the "
        f"catalog): median {results['first_use_median_ms']:.0f} ms ({first})",
        *results.get("import_profile", []),
    ]


def summary_rows(results: dict[str, Any]) -> list[tuple[str, float, str, bool]]:
    """(figure, value, target, met) for a summary table; the value in seconds."""
    return [("%load_ext over a bare shell (s)", results["median_ms"] / 1000, f"<= {TARGET_LOAD_MS / 1000:.2f} s",
             met(results))]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="fresh interpreters (default 5)")
    parser.add_argument("--profile", action="store_true", help="always profile the imports of %%load_ext")
    parser.add_argument("--json", metavar="PATH", help="also write the numbers to PATH as JSON")
    args = parser.parse_args(argv)
    results = bench(args.repeats)
    if args.profile or not met(results):
        results["import_profile"] = import_profile()
    print("\n".join(report_lines(results)))
    write_json(args.json, "load_ext", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
