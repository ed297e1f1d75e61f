"""The protocol-traffic monitor (issue 10) over real stdio, loopback HTTP and WebSocket."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from mcp_workbench import Workbench
from mcp_workbench.core.traffic import TRAFFIC_COLUMNS
from tests.servers import DEMO_ARGS, ROOT, demo_server, wait_until

SECRET = "sk-planted-traffic-777777"


@pytest.fixture(params=["stdio", "http", "websocket"])
def traced(request: pytest.FixtureRequest, wb: Workbench) -> Iterator[Workbench]:
    with ExitStack() as stack:
        if request.param == "stdio":
            wb.connect("demo", command="python", args=DEMO_ARGS, env={"API_TOKEN": SECRET})
        else:  # a server of its own: these tests add tools to it
            flag, scheme = ("--http", "http") if request.param == "http" else ("--ws", "ws")
            port = stack.enter_context(demo_server(flag))
            wb.connect("demo", url=f"{scheme}://127.0.0.1:{port}/mcp", headers={"Authorization": f"Bearer {SECRET}"})
        assert wb.trace("demo") == ["demo"]
        yield wb
        wb.close()


def test_requests_are_matched_to_responses_and_timed(traced: Workbench) -> None:
    traced.call("demo.add", a=1, b=2)
    traced.read("demo", "demo://readme")
    df = traced.traffic()
    assert list(df.columns) == TRAFFIC_COLUMNS
    requests = df[(df["kind"] == "request") & (df["direction"] == "out")]
    responses = df[df["kind"] == "response"]
    assert list(requests["method"]) == ["tools/call", "resources/read"]
    assert list(responses["method"]) == ["tools/call", "resources/read"]
    assert list(responses["id"]) == list(requests["id"])
    assert (responses["latency_ms"] > 0).all() and requests["latency_ms"].isna().all()
    assert (df["size_bytes"] > 0).all()
    call = requests.iloc[0]["payload"]
    assert call["params"]["name"] == "add" and call["params"]["arguments"] == {"a": 1, "b": 2}
    assert responses.iloc[0]["payload"]["result"]["structuredContent"] == {"result": 3}
    assert list(traced.traffic(method="tools/call")["kind"]) == ["request", "response"]


def test_notifications_arrive_in_order(traced: Workbench) -> None:
    traced.call("demo.slow", seconds=0.2, steps=3, on_progress=lambda *a: None)
    traced.call("demo.add_tool", name="traced_tool")
    assert wait_until(lambda: "tools/list" in set(traced.traffic()["method"]), timeout=5)
    df = traced.traffic()
    notes = df[df["kind"] == "notification"]
    progress = [p["params"]["progress"] for p in notes[notes["method"] == "notifications/progress"]["payload"]]
    assert progress == [1, 2, 3]
    methods = list(notes["method"])
    assert methods.index("notifications/message") < methods.index("notifications/progress")
    slow_done = df[(df["kind"] == "response") & (df["method"] == "tools/call")].index[0]
    assert (notes[notes["method"] == "notifications/progress"].index < slow_done).all()
    assert "notifications/tools/list_changed" in methods
    changed_at = notes[notes["method"] == "notifications/tools/list_changed"].index[0]
    refetch = df[(df["kind"] == "request") & (df["method"] == "tools/list")].index
    assert (refetch > changed_at).any()  # the notice made the workbench re-read the listing
    after = set(df[(df["kind"] == "request") & (df.index > changed_at)]["method"])
    assert not after & {"prompts/list", "resources/list", "resources/templates/list"}  # and only that one


def test_secrets_do_not_reach_the_buffer(traced: Workbench) -> None:
    traced.call("demo.echo", text=f"my key {SECRET}")
    traced.call("demo.env", name="API_TOKEN")
    dump = traced.traffic().to_json(date_format="iso")
    assert SECRET not in dump and "***" in dump


def test_tracing_off_stops_recording_and_errors_filter(traced: Workbench) -> None:
    traced.call("demo.fail")
    errors = traced.traffic(errors=True)
    assert len(errors) == 1 and errors.iloc[0]["payload"]["result"]["isError"] is True
    before = len(traced.traffic())
    traced.trace("demo", stop=True)
    traced.call("demo.add", a=1, b=1)
    assert len(traced.traffic()) == before
    assert traced.trace("demo", stop=True) == []


def test_buffer_is_bounded_under_a_flood(wb: Workbench) -> None:
    wb.connect("demo", command="python", args=DEMO_ARGS)
    wb.trace("demo", limit=25)
    for i in range(60):
        wb.call("demo.add", a=i, b=0)
    df = wb.traffic()
    assert len(df) == 25
    assert df.iloc[-1]["payload"]["result"]["structuredContent"] == {"result": 59}


def test_stderr_lines_are_captured_for_servers_traced_from_the_start(wb: Workbench) -> None:
    wb.trace()  # every server, including those connected later
    wb.connect("alt", command="python", args=[str(ROOT / "tests" / "alt_server.py")])
    assert wait_until(lambda: "stderr" in set(wb.traffic("alt")["kind"]), timeout=5)
    line = wb.traffic("alt", kind="stderr").iloc[0]
    assert "alt server starting" in line["payload"] and line["direction"] == "in"
    assert {"request", "response"} <= set(wb.traffic("alt")["kind"])  # the handshake itself


def test_unknown_server_is_a_clear_error(wb: Workbench) -> None:
    from mcp_workbench import ServerNotFoundError

    with pytest.raises(ServerNotFoundError):
        wb.trace("nope")


def test_trace_and_traffic_magics(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from IPython.core.interactiveshell import InteractiveShell

    import mcp_workbench

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "mcp_workbench")
    try:
        shell.run_line_magic("mcp", "connect tdemo --stdio python -m mcp_workbench.demo")
        assert shell.run_line_magic("mcp", "trace tdemo") == "tracing: tdemo"
        shell.run_line_magic("mcp", "call tdemo.add a=2 b=3")
        frame = shell.run_line_magic("mcp", "traffic tdemo --method tools/call --last 1")
        assert list(frame["kind"]) == ["response"] and frame.iloc[0]["latency_ms"] > 0
        shell.run_line_magic("mcp", "call tdemo.fail message=nope")
        # every option reaches wb.traffic by its own name (the subcommand only parses and dispatches)
        requests = shell.run_line_magic("mcp", "traffic tdemo --kind request --method tools/call")
        assert list(requests["kind"]) == ["request", "request"] and set(requests["method"]) == {"tools/call"}
        failed = shell.run_line_magic("mcp", "traffic --errors")
        assert len(failed) == 1 and failed.iloc[0]["payload"]["result"]["isError"] is True
        assert len(shell.run_line_magic("mcp", "traffic tdemo --last 3")) == 3
        assert shell.run_line_magic("mcp", "trace tdemo --off") == "tracing: nothing"
        result = shell.run_cell("%mcp traffic --kind nonsense --last x")
        assert result.error_in_exec is not None and "\n" not in str(result.error_in_exec)
    finally:
        shell.run_line_magic("unload_ext", "mcp_workbench")
        mcp_workbench.workbench().close()
