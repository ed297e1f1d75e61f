"""Faults seen from a real IPython shell running ``%mcp`` magics: each is one line of
UsageError within its timeout, the healthy server still answers, ``%mcp history`` shows the
failure, and the shell keeps running cells."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import mcp_workbench
from tests.faults.harness import BAD_SERVER, Baseline
from tests.test_magics_shell import fails, run


@pytest.fixture(scope="module")
def shell(demo_http_url: str, bad_http_url: str) -> Iterator[InteractiveShell]:
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mcp_workbench")
    run(ip, f"%mcp connect healthy {demo_http_url}")
    yield ip
    ip.run_line_magic("unload_ext", "mcp_workbench")
    mcp_workbench.workbench().close()


def still_usable(ip: InteractiveShell, tool: str, status: str) -> None:
    """The healthy server answers, history shows the failed call, and cells still run."""
    assert run(ip, "%mcp call healthy.echo text=alive").text == "alive"
    history = run(ip, "%mcp history")
    failed = history[history["tool"] == tool]
    assert len(failed) and failed.iloc[-1]["status"] == status, history.tail(3).to_string()
    assert run(ip, "sum(range(10))") == 45


@pytest.fixture
def bad(shell: InteractiveShell) -> Iterator[InteractiveShell]:
    """``bad``: the bad server over stdio; disconnected afterwards, leaving nothing behind."""
    baseline = Baseline()
    run(shell, f"%mcp connect bad --stdio python {BAD_SERVER} --timeout 0.5")
    yield shell
    run(shell, "%mcp disconnect bad")
    assert not baseline.settled()


def test_hang_is_one_line_within_the_timeout(bad: InteractiveShell) -> None:
    start = time.monotonic()
    message = fails(bad, "%mcp call bad.hang")
    assert time.monotonic() - start < 2
    assert "did not answer within 0.5 s" in message and "--timeout" in message
    still_usable(bad, "hang", "timeout")


def test_crash_is_one_line(bad: InteractiveShell) -> None:
    message = fails(bad, "%mcp call bad.crash")
    assert "'bad'" in message and ("process exited" in message or "connection lost" in message)
    still_usable(bad, "crash", "error")
    assert run(bad, "%mcp call bad.echo text=back").text == "back"  # reconnected by itself


def test_output_schema_violation_is_one_line(bad: InteractiveShell) -> None:
    message = fails(bad, "%mcp call bad.bad_output")
    assert "not of type 'integer'" in message
    still_usable(bad, "bad_output", "error")


def test_http_stream_cut_is_one_line(shell: InteractiveShell, bad_http_url: str) -> None:
    run(shell, f"%mcp connect badweb {bad_http_url} --timeout 2")
    try:
        message = fails(shell, "%mcp call badweb.cut")
        assert "connection lost" in message
        still_usable(shell, "cut", "error")
    finally:
        run(shell, "%mcp disconnect badweb")


def test_a_log_flood_does_not_flood_the_notebook(bad: InteractiveShell) -> None:
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = []  # as in a kernel: pytest's capturing handlers are not there
    try:
        with capture_output() as cap:
            result = bad.run_cell("%mcp call bad.flood count=2000 level=warning --timeout 20")
    finally:
        root.handlers = saved
    assert result.error_in_exec is None
    lines = cap.stderr.splitlines() + cap.stdout.splitlines()
    assert len(lines) < 100, f"{len(lines)} lines of output"
