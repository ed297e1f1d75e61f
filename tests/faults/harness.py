"""The fault suite's helpers: the bad server's command lines, and leak accounting.

``Baseline`` snapshots what a fault must not leave behind (threads, child processes, open file
descriptors) and ``Baseline.settled()`` waits until the process is back to it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.servers import ROOT, descendants, free_port, wait_for_port, wait_until

BAD_SERVER = str(Path(__file__).with_name("bad_server.py"))
BAD_ARGS = [BAD_SERVER]
# asyncio's default executor (``asyncio.to_thread``) keeps a bounded pool of idle workers:
# they are reused, not leaked, so they are counted apart and only checked against the bound.
_POOL_THREAD = re.compile(r"^(asyncio_\d+|ThreadPoolExecutor-\d+_\d+)$")
POOL_LIMIT = min(32, (os.cpu_count() or 1) + 4)


@contextmanager
def bad_http_server(*flags: str) -> Iterator[str]:
    """The bad server on loopback Streamable HTTP; yields its URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, BAD_SERVER, "--http", "--port", str(port), *flags],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.kill()
        proc.wait()


def open_fds() -> set[int]:
    return {int(fd) for fd in os.listdir("/proc/self/fd")}


def threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if not _POOL_THREAD.match(t.name)]


def pool_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if _POOL_THREAD.match(t.name)]


class Baseline:
    """What the process holds now; ``settled()`` is true once it holds no more than that."""

    def __init__(self, fds: bool = False) -> None:
        self.threads = {t.ident for t in threads()}
        self.children = descendants()
        self.fds = open_fds() if fds else None

    def extra(self) -> dict[str, object]:
        """What is held beyond the baseline (empty when settled)."""
        out: dict[str, object] = {}
        new_threads = [t.name for t in threads() if t.ident not in self.threads]
        if new_threads:
            out["threads"] = new_threads
        if len(pool_threads()) > POOL_LIMIT:
            out["pool_threads"] = len(pool_threads())
        new_children = descendants() - self.children
        if new_children:
            out["children"] = {pid: _cmdline(pid) for pid in new_children}
        if self.fds is not None:
            new_fds = open_fds() - self.fds
            if new_fds:
                out["fds"] = {fd: _fd_target(fd) for fd in new_fds}
        return out

    def settled(self, timeout: float = 10.0) -> dict[str, object]:
        """Wait until nothing is held beyond the baseline; returns what still is (falsy: fine)."""
        wait_until(lambda: not self.extra(), timeout=timeout)
        return self.extra()


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def _fd_target(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return "?"
