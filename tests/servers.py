"""Real servers for tests (the demo over loopback HTTP/SSE, from ``mcp_workbench.demo.launch``) and
process accounting helpers."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

from mcp_workbench.demo.launch import DEMO_ARGS, demo_server, free_port, wait_for_port  # noqa: F401 (re-exported)

ROOT = Path(__file__).resolve().parents[1]
# The test run's own workbench home (catalog, tokens): never the user's ~/.mcp-workbench, also
# in the subprocesses (kernels, interpreters) the tests start.
TEST_HOME = tempfile.mkdtemp(prefix="mcp-workbench-home-")
# A subprocess must import mcp_workbench from this checkout even when it is not installed.
SUB_ENV = {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "MCP_WORKBENCH_HOME": TEST_HOME}  # fmt: skip


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


def _demo_tool_names() -> list[str]:
    """The tools the demo server lists, sorted (tests compare with this, not a literal that every
    new demo tool would break)."""
    import anyio

    from mcp_workbench.demo.server import build_server

    names: list[str] = []
    # in a thread of its own: this module is also imported where a loop runs (a kernel's cell)
    worker = threading.Thread(target=lambda: names.extend(t.name for t in anyio.run(build_server().list_tools)))
    worker.start()
    worker.join()
    return sorted(names)


DEMO_TOOL_NAMES = _demo_tool_names()
DEMO_TOOLS = len(DEMO_TOOL_NAMES)
