"""Run the bundled demo server as a subprocess on loopback (tests, benchmarks, notebooks).

``with demo_server("--http") as port:`` starts ``python -m mcp_workbench.demo --http --port N``
on a free port, waits until it accepts connections, and ends the process on exit.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEMO_ARGS = ["-m", "mcp_workbench.demo"]
_SOURCE_ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes] | None = None, timeout: float = 30.0) -> None:
    """Block until 127.0.0.1:``port`` accepts connections; fail early if ``proc`` exits."""
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"server exited early (status {proc.returncode}): {err[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:g} s") from None
            time.sleep(0.05)


@contextmanager
def demo_server(flag: str = "--http", *extra: str) -> Iterator[int]:
    """The demo over ``--http`` (URL ``/mcp``), ``--sse`` (URL ``/sse``) or ``--ws`` (``ws://.../mcp``);
    yields its port."""
    port = free_port()
    pythonpath = os.pathsep.join(filter(None, [str(_SOURCE_ROOT), os.environ.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, *DEMO_ARGS, flag, "--port", str(port), *extra],
        env={**os.environ, "PYTHONPATH": pythonpath}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_for_port(port, proc)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
