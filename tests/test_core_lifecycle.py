"""Connection lifecycle over real stdio: timeouts, crashes, interrupts, idle close, no orphans."""

from __future__ import annotations

import _thread
import subprocess
import sys
import textwrap
import threading

import pytest

from mcp_workbench import CallTimeoutError, ConnectionFailedError, Workbench
from mcp_workbench.errors import DeadlockError
from tests.servers import DEMO_ARGS, ROOT, SUB_ENV, descendants, wait_until


def _cancel_sent(wb: Workbench, tool: str) -> bool:
    """Whether the server was sent ``notifications/cancelled`` for the last ``tools/call`` of ``tool``
    (seen by the protocol tap: the request was withdrawn, not left running or waited out)."""
    calls = wb.traffic(method="tools/call")
    asked = calls[(calls["kind"] == "request") & calls["payload"].map(lambda p: p["params"]["name"] == tool)]
    if asked.empty:
        return False
    cancelled = {p["params"]["requestId"] for p in wb.traffic(method="notifications/cancelled")["payload"]}
    return asked.iloc[-1]["id"] in cancelled


def test_hung_server_times_out_naming_server_and_tool_then_works(demo: Workbench) -> None:
    demo.trace("demo")
    with pytest.raises(CallTimeoutError, match=r"demo: tool 'sleep_forever' did not answer within 0\.5 s"):
        demo.call("demo.sleep_forever", timeout=0.5)
    assert wait_until(lambda: _cancel_sent(demo, "sleep_forever"))  # our timeout withdrew the request
    assert demo.call("demo.add", a=1, b=2).value == 3  # the connection survived
    assert demo.history().iloc[-2]["status"] == "timeout"


def test_per_server_default_timeout(wb: Workbench) -> None:
    wb.connect("demo", command="python", args=DEMO_ARGS, timeout=0.4)
    with pytest.raises(CallTimeoutError, match="0.4 s"):
        wb.call("demo.sleep_forever")


def test_crash_mid_call_errors_fast_then_reconnects_once(wb: Workbench) -> None:
    baseline = descendants()
    wb.connect("demo", command="python", args=DEMO_ARGS)
    demo = wb
    old_children = descendants() - baseline
    assert old_children
    # The process's exit fails the call (not the call's timeout: that would be a CallTimeoutError).
    with pytest.raises(ConnectionFailedError, match=r"server 'demo' (process exited|connection lost)"):
        demo.call("demo.crash")
    assert demo.history().iloc[-1][["tool", "status"]].tolist() == ["crash", "error"]
    row = demo.servers().set_index("name").loc["demo"]
    assert row.status == "error" and "demo" in row.last_error
    # The next call starts a new process by itself.
    assert demo.call("demo.add", a=2, b=3).value == 5
    assert demo.servers().set_index("name").loc["demo", "status"] == "connected"
    assert wait_until(lambda: not (old_children & descendants()))


def test_crash_while_idle_is_noticed(wb: Workbench) -> None:
    baseline = descendants()
    wb.connect("demo", command="python", args=DEMO_ARGS)
    demo = wb
    seen: list[dict] = []
    demo.on("connection_status_changed", seen.append)
    pid = next(iter(descendants() - baseline))
    subprocess.run(["kill", "-9", str(pid)], check=True)
    assert wait_until(lambda: any(e["status"] == "error" for e in seen), timeout=5)
    assert demo.call("demo.echo", text="back").text == "back"


def test_keyboard_interrupt_cancels_the_call_and_keeps_the_connection(demo: Workbench) -> None:
    demo.trace("demo")
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        demo.call("demo.sleep_forever")
    # The interrupt cancelled the call (it did not wait for the 60 s default timeout) and told the server.
    assert demo.history().iloc[-1][["tool", "status"]].tolist() == ["sleep_forever", "cancelled"]
    assert wait_until(lambda: _cancel_sent(demo, "sleep_forever"))
    assert demo.call("demo.add", a=1, b=1).value == 2


def test_twenty_connect_close_cycles_leave_no_process(wb: Workbench) -> None:
    baseline = descendants()
    for i in range(20):
        wb.connect("demo", command="python", args=DEMO_ARGS)
        assert wb.call("demo.add", a=i, b=1).value == i + 1
        wb.close()
    assert wait_until(lambda: descendants() == baseline), descendants() - baseline


def test_forced_crash_leaves_no_process(wb: Workbench) -> None:
    baseline = descendants()
    wb.connect("demo", command="python", args=DEMO_ARGS)
    with pytest.raises(ConnectionFailedError):
        wb.call("demo.crash")
    wb.close()
    assert wait_until(lambda: descendants() == baseline)


def test_idle_connection_closes_and_reopens_on_use() -> None:
    wb = Workbench(idle_timeout=0.3)
    baseline = descendants()
    try:
        wb.connect("demo", command="python", args=DEMO_ARGS)
        assert descendants() - baseline
        assert wait_until(lambda: wb.servers().iloc[0]["status"] == "idle", timeout=5)
        assert wait_until(lambda: descendants() == baseline)
        assert "idle" in wb.servers().iloc[0]["last_error"]
        assert wb.call("demo.add", a=1, b=2).value == 3
        assert wb.servers().iloc[0]["status"] == "connected"
    finally:
        wb.close()


def test_interpreter_exit_ends_every_server_process(tmp_path) -> None:  # type: ignore[no-untyped-def]
    script = textwrap.dedent(
        """
        import mcp_workbench
        from tests.servers import descendants
        wb = mcp_workbench.workbench()
        wb.connect("a", command="python", args=["-m", "mcp_workbench.demo"])
        wb.connect("b", command="python", args=["-m", "mcp_workbench.demo"])
        print(" ".join(map(str, sorted(descendants()))), flush=True)
        # no close(): exit must end both servers
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT,
        env={**SUB_ENV, "PATH": "/usr/bin:/bin", "MCP_WORKBENCH_HOME": str(tmp_path)},  # not the user's catalog
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    pids = {int(p) for p in out.stdout.split()}
    assert len(pids) >= 2

    def alive() -> set[int]:
        return {p for p in pids if _alive(p)}

    assert wait_until(lambda: not alive(), timeout=5), alive()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_blocking_call_from_a_callback_is_refused_not_deadlocked(demo: Workbench) -> None:
    errors: list[BaseException] = []

    def handler(event: dict) -> None:
        if event["tool"] == "echo":
            try:
                demo.call("demo.add", a=1, b=1)
            except DeadlockError as exc:
                errors.append(exc)

    demo.on("operation_completed", handler)
    demo.call("demo.echo", text="hi")
    assert errors and "acall" in str(errors[0])


def test_start_failure_shows_the_servers_stderr(wb: Workbench) -> None:
    with pytest.raises(ConnectionFailedError) as info:
        wb.connect("broken", command="python", args=["-c", "import sys; sys.stderr.write('fatal: no config found\\n'); sys.exit(2)"])
    message = str(info.value)
    assert "fatal: no config found" in message and "broken" in message
    assert "ExceptionGroup" not in message and "\n" not in message
    assert wb.servers().set_index("name").loc["broken", "status"] == "error"


def test_missing_command_is_a_clear_error(wb: Workbench) -> None:
    with pytest.raises(ConnectionFailedError, match="no-such-mcp-binary"):
        wb.connect("ghost", command="no-such-mcp-binary-xyz")


def test_workbench_default_timeout_is_read_at_call_time(demo: Workbench) -> None:
    demo.default_timeout = 0.3  # changed after connect: still applies to servers without their own
    with pytest.raises(CallTimeoutError, match="0.3 s"):
        demo.call("demo.sleep_forever")
    assert demo.call("demo.add", a=1, b=1).value == 2
