"""Real servers for tests (the demo over loopback HTTP/SSE, from ``mcp_workbench.demo.launch``) and
process accounting helpers."""

from __future__ import annotations

import os
import time
from pathlib import Path

from mcp_workbench.demo.launch import DEMO_ARGS, demo_server, free_port, wait_for_port  # noqa: F401 (re-exported)

ROOT = Path(__file__).resolve().parents[1]
# A subprocess must import mcp_workbench from this checkout even when it is not installed.
SUB_ENV = {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def descendants(pid: int | None = None) -> set[int]:
    """Every live descendant process of ``pid`` (default: this process), from /proc."""
    root = os.getpid() if pid is None else pid
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":  # a zombie is already dead; only its parent's wait is missing
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: set[int] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until it is true or ``timeout`` passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
