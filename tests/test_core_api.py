"""The Python API against the demo server over a real stdio pipe and over WebSocket: listings,
calls, results (the same suite per transport)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from tests.servers import DEMO_TOOLS

import mcp_workbench
from mcp_workbench import ArgumentError, ServerNotFoundError, ToolNotFoundError, Workbench
from mcp_workbench.views.frames import HISTORY_COLUMNS, SERVER_COLUMNS, TOOL_COLUMNS
from tests.servers import DEMO_ARGS, demo_server


@pytest.fixture(params=["stdio", "websocket"])
def demo(request: pytest.FixtureRequest, wb: Workbench) -> Iterator[Workbench]:
    """``wb`` with the demo server connected as ``demo``: over a stdio pipe, or over WebSocket to a
    server of its own (a test may add tools to it)."""
    if request.param == "stdio":
        wb.connect("demo", command="python", args=DEMO_ARGS)
        yield wb
        return
    with demo_server("--ws") as port:
        wb.connect("demo", url=f"ws://127.0.0.1:{port}/mcp")
        yield wb
        wb.close()


def test_workbench_is_one_object_per_process() -> None:
    assert mcp_workbench.workbench() is mcp_workbench.workbench()


def test_servers_frame_describes_the_connection(demo: Workbench, request: pytest.FixtureRequest) -> None:
    df = demo.servers()
    assert list(df.columns) == SERVER_COLUMNS
    row = df.set_index("name").loc["demo"]
    assert row.transport == request.node.callspec.params["demo"] and row.status == "connected"  # the one connected
    assert row.transport == demo.server("demo").spec.transport
    assert row.tools == DEMO_TOOLS and row.prompts == 3 and row.resources == 29
    assert row.server_name == "mcp-workbench-demo" and row.server_version == "1.0.0"
    assert row.protocol_version and row.last_error is None


def test_tools_frame_columns_search_and_annotations(demo: Workbench) -> None:
    tools = demo.tools()
    assert list(tools.columns) == TOOL_COLUMNS
    by_name = tools.set_index("name")
    assert set(by_name.index) >= {"add", "echo", "slow", "image", "table", "fail", "delete_all"}
    assert by_name.loc["add", "params"] == ["a", "b"] and by_name.loc["add", "required"] == ["a", "b"]
    assert by_name.loc["add", "read_only"] and not by_name.loc["add", "destructive"]
    assert by_name.loc["delete_all", "destructive"] and not by_name.loc["delete_all", "read_only"]
    assert by_name.loc["table", "output_schema"] is not None
    assert list(demo.tools(search="add integers")["name"]) == ["add"]
    assert set(demo.tools(search="add")["name"]) == {"add", "add_tool"}
    assert demo.tools(search="no such words here").empty
    assert len(demo.tools("demo")) == len(tools)
    with pytest.raises(ServerNotFoundError):
        demo.tools("nope")


def test_prompts_resources_templates_walk_every_page(demo: Workbench) -> None:
    assert set(demo.prompts()["name"]) == {"review", "summarize", "pair"}
    resources = demo.resources()
    # 29 resources (27 + the counter app's page + demo://counter) come back in pages of 10: all three pages must be read.
    assert len(resources) == 29 and resources["uri"].is_unique
    assert {"demo://readme", "demo://config.json", "demo://notes/24"} <= set(resources["uri"])
    assert list(demo.resource_templates()["uri_template"]) == ["demo://items/{item_id}"]


def test_call_with_kwargs_or_dict_and_result_attributes(demo: Workbench) -> None:
    r = demo.call("demo.add", a=1, b=2)
    assert r.text == "3" and r.structured == {"result": 3} and r.value == 3
    assert not r.is_error and r.duration_ms > 0
    assert demo.call("demo.add", {"a": 20, "b": 22}).value == 42
    assert demo.call("demo.add", {"a": 1}, b=1).value == 2
    assert demo.call("add", a=2, b=2).value == 4  # a bare name works when one server has it


def test_structured_table_becomes_a_dataframe(demo: Workbench) -> None:
    r = demo.call("demo.table", rows=4)
    assert list(r.df.columns) == ["id", "name", "score"] and len(r.df) == 4
    bundle = r._repr_mimebundle_()
    assert "<table" in bundle["text/html"] and "application/json" not in bundle  # Lab would show a JSON tree


def test_image_result_is_a_real_png_shown_inline(demo: Workbench) -> None:
    r = demo.call("demo.image", width=8, height=4)
    assert len(r.images) == 1 and r.images[0].mime_type == "image/png"
    assert r.images[0].data.startswith(b"\x89PNG\r\n\x1a\n")
    assert 'src="data:image/png;base64,' in r._repr_mimebundle_()["text/html"]


def test_error_result_is_flagged_and_shown_in_red(demo: Workbench) -> None:
    r = demo.call("demo.fail", message="boom <b>bold</b>")
    assert r.is_error and "boom" in r.text
    html = r._repr_mimebundle_()["text/html"]
    assert "#b00020" in html and "&lt;b&gt;" in html and "<b>bold" not in html  # escaped, not rendered
    assert demo.history().iloc[-1]["status"] == "error"


def test_acall_from_another_running_loop(demo: Workbench) -> None:
    async def main() -> list[int]:
        results = await asyncio.gather(*(demo.acall("demo.add", a=i, b=1) for i in range(5)))
        return [r.value for r in results]

    assert asyncio.run(main()) == [1, 2, 3, 4, 5]


def test_arguments_are_validated_before_sending(demo: Workbench) -> None:
    with pytest.raises(ArgumentError, match=r"demo\.add: argument 'a' must be an integer, got str 'x'"):
        demo.call("demo.add", a="x", b=2)
    with pytest.raises(ArgumentError, match=r"missing required argument 'b'"):
        demo.call("demo.add", a=1)
    calls_before = demo.stats()["calls"]
    assert calls_before == 0  # nothing was sent


def test_unknown_names_suggest_close_matches(demo: Workbench) -> None:
    with pytest.raises(ToolNotFoundError, match="did you mean 'add'"):
        demo.call("demo.ad", a=1, b=2)
    with pytest.raises(ServerNotFoundError, match="did you mean 'demo'"):
        demo.call("dem.add", a=1, b=2)
    with pytest.raises(ToolNotFoundError, match="did you mean 'demo.echo'"):
        demo.call("echoo", text="x")


def test_prompt_and_resources(demo: Workbench) -> None:
    p = demo.get_prompt("demo.review", code="print(1)")
    assert p.messages[0]["role"] == "user" and "print(1)" in p.text
    with pytest.raises(ArgumentError, match="missing required argument 'code'"):
        demo.get_prompt("demo.review")
    readme = demo.read("demo", "demo://readme")
    assert readme.mime_type == "text/markdown" and "mcp-workbench-demo" in readme.text
    item = demo.read("demo", "demo://items/42")
    assert item.json["id"] == "42" or item.json["id"] == 42


def test_progress_reaches_sync_and_async_callbacks(demo: Workbench) -> None:
    seen: list[tuple[float, float | None]] = []
    demo.call("demo.slow", seconds=0.2, steps=4, on_progress=lambda p, t, m: seen.append((p, t)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]

    async_seen: list[float] = []

    async def record(p: float, t: float | None, m: str | None) -> None:
        async_seen.append(p)

    demo.call("demo.slow", seconds=0.1, steps=2, on_progress=record)
    assert async_seen == [1, 2]


def test_server_log_messages_reach_python_logging(demo: Workbench, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="mcp_workbench.server.demo"):
        demo.call("demo.slow", seconds=0.05, steps=1)
    assert any(r.name.startswith("mcp_workbench.server.demo") and "slow" in r.getMessage() for r in caplog.records)


def test_history_and_stats(demo: Workbench) -> None:
    demo.call("demo.add", a=1, b=2)
    demo.call("demo.fail")
    demo.read("demo", "demo://readme")
    h = demo.history()
    assert list(h.columns) == HISTORY_COLUMNS
    assert list(h["tool"]) == ["add", "fail", "demo://readme"]
    assert list(h["status"]) == ["ok", "error", "ok"]
    assert h.iloc[0]["arguments"] == {"a": 1, "b": 2}
    assert (h["duration_ms"] > 0).all()
    stats = demo.stats()
    assert stats["calls"] == 3 and stats["errors"] == 1 and stats["connections"] == 1 and stats["connected"] == 1
    tools = demo.tools().set_index("name")
    assert tools.loc["add", "calls"] == 1 and tools.loc["add", "p50_ms"] > 0


def test_events_have_payloads(wb: Workbench) -> None:
    seen: list[dict] = []
    for event in ("connection_status_changed", "server_added", "server_removed", "tools_changed",
                  "operation_started", "operation_completed"):  # fmt: skip
        wb.on(event, seen.append)
    wb.connect("demo", command="python", args=["-m", "mcp_workbench.demo"])
    wb.call("demo.add", a=1, b=1)
    wb.disconnect("demo")
    kinds = [e["event"] for e in seen]
    assert kinds[0] == "server_added"
    statuses = [e["status"] for e in seen if e["event"] == "connection_status_changed"]
    assert statuses == ["connecting", "connected", "disconnected"]
    assert any(e["event"] == "tools_changed" and e["tools"] == DEMO_TOOLS for e in seen)
    done = next(e for e in seen if e["event"] == "operation_completed")
    assert done["success"] is True and done["server"] == "demo" and done["tool"] == "add" and done["duration_ms"] > 0
    assert kinds[-1] == "server_removed"
    with pytest.raises(ValueError, match="unknown event"):
        wb.on("no_such_event", print)


def test_list_changed_refreshes_tools_and_emits_tools_changed(demo: Workbench) -> None:
    from tests.servers import wait_until

    seen: list[dict] = []
    demo.on("tools_changed", seen.append)
    demo.call("demo.add_tool", name="late_tool")
    assert wait_until(lambda: "late_tool" in set(demo.tools()["name"]), timeout=5)
    assert wait_until(lambda: len(seen) == 1) and seen[0]["tools"] == DEMO_TOOLS + 1
    assert demo.call("demo.late_tool", text="hi").text == "hi"


def test_annotation_filters_and_lookups(demo: Workbench) -> None:
    assert list(demo.tools(destructive=True)["name"]) == ["delete_all"]
    assert "add" in set(demo.tools(read_only=True)["name"]) and "delete_all" not in set(demo.tools(read_only=True)["name"])
    assert demo.tool("demo.add").input_schema["required"] == ["a", "b"]
    assert [a.name for a in demo.prompt("demo.review").arguments] == ["code", "language"]
    assert demo.server_names() == ["demo"]
    with pytest.raises(ToolNotFoundError, match="did you mean 'add'"):
        demo.tool("demo.ad")
