"""The dashboard driven like a person would, in a real IPython shell: set widget values, click
buttons, wait for the background work, and check the widget tree and the service's records.

Real parts only: the demo server over stdio, the scripted OpenAI server for the chat panel.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from mcp_workbench import ConnectionFailedError
from mcp_workbench.widgets.dashboard import Dashboard
from mcp_workbench.widgets.forms import FormError, SchemaForm
from mcp_workbench.widgets.servers import parse_pairs
from tests.servers import DEMO_ARGS, DEMO_TOOLS, wait_until
from tests.widgets.util import settle, shown, walk

DEMO_ARGS_TEXT = " ".join(DEMO_ARGS)


# ---------------------------------------------------------------------- forms
SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "who"},
        "ratio": {"type": "number", "default": 0.5},
        "count": {"type": "integer", "default": 3},
        "flag": {"type": "boolean", "default": True},
        "color": {"type": "string", "enum": ["red", "green"], "default": "green"},
        "mode": {"enum": ["fast", "slow"]},
        "tags": {"type": "array", "items": {"type": "string"}, "default": ["a"]},
        "options": {"type": "object"},
        "limit": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None},
        "unit": {"$ref": "#/$defs/Unit"},
        "anything": {},
    },
    "required": ["name", "mode"],
    "$defs": {"Unit": {"enum": ["cm", "in"], "type": "string"}},
}


def test_form_has_a_control_per_type_with_defaults_and_required_marks() -> None:
    form = SchemaForm(SCHEMA)
    kinds = {name: type(f.control) for name, f in form.fields.items()}
    assert kinds == {
        "name": widgets.Text, "ratio": widgets.Text, "count": widgets.Text, "flag": widgets.Checkbox,
        "color": widgets.Dropdown, "mode": widgets.Dropdown, "tags": widgets.Textarea, "options": widgets.Textarea,
        "limit": widgets.Text, "unit": widgets.Dropdown, "anything": widgets.Textarea,
    }  # fmt: skip  (numbers are Text boxes: empty means "not given", never a silent 0)
    f = form.fields
    assert (f["ratio"].control.value, f["count"].control.value, f["flag"].control.value) == ("0.5", "3", True)
    assert f["limit"].control.value == "" and "whole number" in f["limit"].control.placeholder
    assert f["color"].control.value == "green" and json.loads(f["tags"].control.value) == ["a"]
    assert f["mode"].control.options == (("fast", "fast"), ("slow", "slow"))  # required: no blank choice
    assert f["unit"].control.options[0] == ("—", None) and f["unit"].control.value is None  # optional: blank first
    required = {name for name, fld in f.items() if 'title="required"' in fld.box.children[0].children[0].value}
    assert required == {"name", "mode"}
    assert [c for c in walk(form) if isinstance(c, widgets.VBox) and "mcp-field-name" in c._dom_classes]
    # required, defaulted and filled-in fields are sent; untouched optional ones are not
    f["name"].control.value = "Ada"
    assert form.values() == {
        "name": "Ada", "ratio": 0.5, "count": 3, "flag": True, "color": "green", "mode": "fast", "tags": ["a"],
    }  # fmt: skip
    f["limit"].control.value = "7"
    f["unit"].control.value = "cm"
    f["options"].control.value = '{"deep": {"x": [1, 2]}}'
    values = form.values()
    assert values["limit"] == 7 and values["unit"] == "cm" and values["options"] == {"deep": {"x": [1, 2]}}


def test_bad_json_and_missing_required_fields_are_reported_per_field() -> None:
    form = SchemaForm(SCHEMA)
    with pytest.raises(FormError, match="name: required"):
        form.values()
    assert "required" in form.fields["name"].message.value
    form.fields["name"].control.value = "x"
    options = form.fields["options"]
    options.control.value = '{"a": 1,'
    assert "invalid JSON" in options.message.value and "line 1" in options.message.value  # at once, as typed
    with pytest.raises(FormError, match="options: invalid JSON"):
        form.values()
    options.control.value = "[1, 2]"
    assert "expected a JSON object" in options.message.value
    form.fields["tags"].control.value = '{"a": 1}'
    assert "expected a JSON array" in form.fields["tags"].message.value
    options.control.value, form.fields["tags"].control.value = '{"a": 1}', "[]"
    assert options.message.value == "" and form.values()["options"] == {"a": 1}


def test_empty_schema_and_connect_form_text_parsing() -> None:
    form = SchemaForm({"type": "object", "properties": {}})
    assert form.values() == {} and "no arguments" in form.children[0].value
    assert parse_pairs("A=1\n\n B = two words ", "=", "env") == {"A": "1", "B": "two words"}
    assert parse_pairs("Authorization: Bearer x:y", ":", "headers") == {"Authorization": "Bearer x:y"}
    assert parse_pairs('{"X-Key": 3}', ":", "headers") == {"X-Key": "3"}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_pairs("no separator", "=", "env")


# ---------------------------------------------------------------------- servers
def test_connect_from_the_form_refreshes_every_panel_from_events(bench: Any) -> None:
    board = bench.dashboard()
    servers, tools = board.panels["Servers"], board.panels["Tools"]
    assert servers.table.children == (servers.table.empty,) and tools.listing.options == ()
    servers.connect()  # nothing filled in
    assert "give the server a name in the Name box" in servers.status.value
    servers.name.value, servers.command.value, servers.args.value = "demo", "python", DEMO_ARGS_TEXT
    servers.env.value = "DEMO_GREETING=hi"
    # The engine thread waits in this handler until the test has looked, so the connect cannot
    # finish before then: a click that waited for the connect would come back to a connected server.
    release = threading.Event()
    off = bench.on("server_added", lambda event: release.wait(20))
    try:
        servers.connect_button.click()
        # the click returned while the connect is held on the engine: the kernel thread is free
        assert servers.pending and servers.connect_button.disabled and "connecting demo" in servers.status.value
    finally:
        release.set()
        off()
    assert wait_until(lambda: "connected demo" in servers.status.value, timeout=20), servers.status.value
    assert "#1a7f37" in servers.status.value and bench.server("demo").status == "connected"
    row = servers.table.rows["demo"]
    cells = [c.value for c in row.cells]
    assert "mcp-status-connected" in cells[0] and "#1a7f37" in cells[0] and f">{DEMO_TOOLS}<" in cells[3]
    assert wait_until(lambda: " ms<" in row.cells[6].value, timeout=10)  # the ping's latency
    assert list(servers.table.rows) == ["demo"]
    # the other panels refreshed from the same events, without being asked
    assert len(tools.listing.options) == DEMO_TOOLS and tools.server.options[-1] == ("demo", "demo")
    assert any(v == "demo.review" for _, v in board.panels["Prompts"].listing.options)
    assert any(v == ("resource", "demo", "demo://readme") for _, v in board.panels["Resources"].listing.options)
    assert "1/1 servers connected" in board.summary.value and f"{DEMO_TOOLS} tools" in board.summary.value
    feed = board.panels["Activity"].feed.value
    assert feed.index("● demo connected") < feed.index("● demo connecting") < feed.index("+ server demo")  # newest first


def test_status_colours_disconnect_reconnect_and_a_crash(bench: Any) -> None:
    bench.connect("demo", command="python", args=DEMO_ARGS)
    board = bench.dashboard()
    servers = board.panels["Servers"]
    row = servers.table.rows["demo"]
    assert "mcp-status-connected" in row.cells[0].value
    with pytest.raises(ConnectionFailedError):
        bench.call("demo.crash", timeout=10)
    assert wait_until(lambda: "mcp-status-error" in row.cells[0].value, timeout=10), row.cells[0].value
    assert "#b00020" in row.cells[0].value and "process exited" in row.cells[8].value  # red, with the reason
    row.reconnect.click()
    assert wait_until(lambda: "reconnect demo: done" in servers.status.value, timeout=20), servers.status.value
    row = servers.table.rows["demo"]  # a reconnect replaces the connection, and so its row
    assert "mcp-status-connected" in row.cells[0].value
    row.disconnect.click()
    assert wait_until(lambda: "disconnect demo: done" in servers.status.value, timeout=20), servers.status.value
    assert servers.table.children == (servers.table.empty,) and servers.table.rows == {}
    assert "No server connected" in servers.table.empty.value
    assert board.panels["Tools"].listing.options == ()


def test_load_a_config_file_and_an_url_form(bench: Any, tmp_path: Path, demo_http_url: str, demo_ws_url: str) -> None:
    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"cfg": {"command": "python", "args": DEMO_ARGS}}}))
    servers = bench.dashboard().panels["Servers"]
    servers.config_path.value = str(config)
    servers.load_button.click()
    assert wait_until(lambda: "cfg (connected)" in servers.status.value, timeout=20), servers.status.value
    servers.name.value, servers.transport.value, servers.url.value = "web", "http", demo_http_url
    servers.headers.value = "X-Trace: 1"
    assert servers.stdio_box.layout.display == "none" and servers.url_box.layout.display is None
    assert servers.form_options() == ("web", {"url": demo_http_url, "transport": "http", "headers": {"X-Trace": "1"}})
    servers.connect_button.click()
    assert wait_until(lambda: "connected web" in servers.status.value, timeout=20), servers.status.value
    assert all("mcp-status-connected" in r.cells[0].value for r in servers.table.rows.values())
    assert list(servers.table.rows) == ["cfg", "web"]
    servers.name.value, servers.transport.value, servers.url.value = "w", "websocket", demo_ws_url
    servers.headers.value = ""
    assert servers.form_options() == ("w", {"url": demo_ws_url, "transport": "websocket"})
    servers.connect_button.click()
    assert wait_until(lambda: "connected w" in servers.status.value, timeout=20), servers.status.value
    assert list(servers.table.rows) == ["cfg", "web", "w"] and "websocket" in servers.table.rows["w"].cells[2].value
    assert all("mcp-status-connected" in r.cells[0].value for r in servers.table.rows.values())
    servers.name.value, servers.transport.value, servers.url.value = "bad", "http", "ftp://nowhere"
    servers.connect_button.click()
    assert wait_until(lambda: "must start with http" in servers.status.value, timeout=10), servers.status.value


# ---------------------------------------------------------------------- tools
def test_search_and_filters_narrow_the_tool_list(board: Dashboard) -> None:
    tools = board.panels["Tools"]
    assert len(tools.listing.options) >= 11
    tools.search.value = "two integers"
    assert [v for _, v in tools.listing.options] == ["demo.add"]
    tools.search.value = ""
    tools.annotation.value = "destructive"
    assert [v for _, v in tools.listing.options] == ["demo.delete_all"]
    tools.annotation.value = "read_only"
    assert {"demo.add", "demo.echo", "demo.table"} <= {v for _, v in tools.listing.options}
    assert "demo.slow" not in {v for _, v in tools.listing.options}
    tools.annotation.value, tools.server.value = "", "demo"
    assert "of" in tools.count.value and len(tools.listing.options) >= 11


def test_call_from_the_generated_form_shows_the_result_and_is_in_history(board: Dashboard, demo_bench: Any) -> None:
    tools = board.panels["Tools"]
    calls = demo_bench.log.total
    tools.listing.value = "demo.add"
    assert "Add two integers." in tools.detail.value and "read-only" in tools.detail.value
    assert set(tools.form.fields) == {"a", "b"} and all(f.required for f in tools.form.fields.values())
    tools.form.fields["a"].control.value = "2"
    tools.form.fields["b"].control.value = "3"
    tools.call_button.click()
    settle(tools)
    data = shown(tools.result)
    assert data["text/plain"].endswith("\n5") and "result of <code>demo.add</code>" in data["text/html"]
    assert "application/json" not in data  # JupyterLab would show the JSON tree instead of the HTML view
    assert "demo.add ok in" in tools.call_status.value and tools.progress.bar_style == "success"
    assert demo_bench.log.total == calls + 1
    last = demo_bench.history(last=1).iloc[0]
    assert (last["tool"], last["arguments"], last["status"]) == ("add", {"a": 2, "b": 3}, "ok")
    assert wait_until(lambda: "✓ call demo.add ok" in board.panels["Activity"].feed.value)
    assert f"{demo_bench.log.total} calls" in board.summary.value


def test_a_long_call_does_not_block_and_reports_progress(board: Dashboard) -> None:
    tools = board.panels["Tools"]
    tools.listing.value = "demo.slow"
    assert tools.form.fields["seconds"].control.value == "1.0" and tools.form.fields["steps"].control.value == "5"
    tools.form.fields["seconds"].control.value = "0.6"
    tools.form.fields["steps"].control.value = "3"
    # Hold the call on the engine thread before it is sent: it cannot finish before the test looked.
    release = threading.Event()
    off = tools.wb.on("operation_started", lambda event: event["tool"] == "slow" and release.wait(20))
    try:
        tools.call_button.click()
        assert tools.pending and tools.call_button.disabled  # the click returned; the call still runs
    finally:
        release.set()
        off()
    assert tools.progress.layout.visibility == "visible"
    assert wait_until(lambda: 0 < tools.progress.value < 3 and tools.progress.max == 3, timeout=5, interval=0.01)
    settle(tools)
    assert tools.progress.value == 3 and not tools.call_button.disabled
    feed = board.panels["Activity"].feed.value
    assert "… demo.slow 1/3 step 1/3" in feed  # progress notifications are logged too, under their call


def test_tool_errors_and_invalid_forms_are_shown_not_raised(board: Dashboard) -> None:
    tools = board.panels["Tools"]
    tools.listing.value = "demo.fail"
    tools.call_button.click()
    settle(tools)
    assert "returned an error" in tools.call_status.value and tools.progress.bar_style == "danger"
    assert "this tool always fails" in shown(tools.result)["text/plain"]
    tools.listing.value = "demo.echo"
    tools.call_button.click()  # required text left empty
    assert "fix the form: text: required" in tools.call_status.value and not tools.pending
    assert "✗ call demo.fail error" in board.panels["Activity"].feed.value


def test_a_tools_list_change_refreshes_the_list_and_keeps_the_selection(board: Dashboard, demo_bench: Any) -> None:
    tools = board.panels["Tools"]
    tools.listing.value = "demo.echo"
    form = tools.form
    form.fields["text"].control.value = "typed by hand"
    demo_bench.call("demo.add_tool", name="fresh_tool")
    assert wait_until(lambda: "demo.fresh_tool" in [v for _, v in tools.listing.options], timeout=10)
    assert tools.listing.value == "demo.echo" and tools.form is form  # the user's input survives


# ---------------------------------------------------------------------- prompts, resources, activity
def test_prompts_panel_renders_a_prompt_from_its_argument_form(board: Dashboard) -> None:
    prompts = board.panels["Prompts"]
    prompts.listing.value = "demo.review"
    assert set(prompts.form.fields) == {"code", "language"} and prompts.form.fields["code"].required
    prompts.action_button.click()
    assert "code: required" in prompts.status.value
    prompts.form.fields["code"].control.value = "print(1)"
    prompts.action_button.click()
    settle(prompts)
    assert "print(1)" in shown(prompts.result)["text/plain"]


def test_resources_panel_reads_resources_and_fills_templates(board: Dashboard) -> None:
    resources = board.panels["Resources"]
    resources.listing.value = ("resource", "demo", "demo://readme")
    assert "demo://readme" in resources.detail.value and resources.form.fields == {}
    resources.action_button.click()
    settle(resources)
    assert "demo://readme" in shown(resources.result)["text/plain"]
    resources.listing.value = ("template", "demo", "demo://items/{item_id}")
    resources.form.fields["item_id"].control.value = "42"
    resources.action_button.click()
    settle(resources)
    assert "demo://items/42" in shown(resources.result)["text/plain"]


def test_activity_logs_server_messages_and_shows_history(board: Dashboard, demo_bench: Any) -> None:
    activity = board.panels["Activity"]
    demo_bench.call("demo.slow", seconds=0.1, steps=1)
    assert wait_until(lambda: "✓ call demo.slow ok" in activity.feed.value)
    first = activity.feed.value.index("mcp-activity-entry")
    assert activity.feed.value.index("✓ call demo.slow", first) < activity.feed.value.index("▶ call demo.slow")
    activity.history_button.click()
    settle(activity)
    assert "slow" in shown(activity.history)["text/html"]
    activity.clear_button.click()
    assert "Nothing yet" in activity.feed.value and activity.history.outputs == ()


# ---------------------------------------------------------------------- dashboard, magic, chat
def test_a_new_dashboard_replaces_the_old_one_and_drops_its_subscriptions(demo_bench: Any) -> None:
    def handlers() -> int:
        return sum(len(h) for h in demo_bench.events._handlers.values())

    first = demo_bench.dashboard()
    with_one = handlers()
    assert [p.title for p in first.panels.values()] == ["Servers", "Tools", "Prompts", "Resources", "Tasks", "Chat",
                                                         "Activity"]
    assert first.tabs.titles == ("Servers", "Tools", "Prompts", "Resources", "Tasks", "Chat", "Activity")
    assert first.show("Tools") is first.panels["Tools"] and first.tabs.selected_index == 1
    second = demo_bench.dashboard()
    assert handlers() == with_one and first.comm is None and second.comm is not None
    second.close()
    assert handlers() < with_one and second.comm is None


def test_mcp_ui_magic_shows_the_dashboard(shell: InteractiveShell) -> None:
    import mcp_workbench

    shell.run_line_magic("load_ext", "mcp_workbench")
    try:
        result = shell.run_cell("%mcp ui")
        assert result.error_in_exec is None, result.error_in_exec
        board = result.result
        assert isinstance(board, Dashboard) and board.wb is mcp_workbench.workbench()
        with capture_output() as cap:
            shell.run_cell("%mcp help")
        assert "%mcp ui" in cap.stdout
        board.close()
    finally:
        shell.run_line_magic("unload_ext", "mcp_workbench")
        mcp_workbench.workbench().close()


def test_chat_panel_streams_the_reply_and_asks_before_a_destructive_tool(demo_bench: Any, monkeypatch: Any) -> None:
    from tests.openai_stub import OpenAIStub, text, tool_calls

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")  # the key field: tests/widgets/test_ux.py
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with OpenAIStub() as stub:
        stub.script(tool_calls(("demo__delete_all", {"confirm": True})), text("All gone (pretend)."))
        chat = demo_bench.dashboard().panels["Chat"]
        chat.base_url.value = stub.url
        chat.text.value = "Please delete everything."
        chat.send_button.click()
        assert wait_until(lambda: chat.approval_box.layout.display is None, timeout=15), chat.status.value
        assert "delete_all" in chat.question.value and "destructive" in chat.question.value
        chat.approve_button.click()
        settle(chat)
        assert "answered (1 tool call(s))" in chat.status.value, chat.status.value
        user, reply = chat.transcript.children
        assert "Please delete everything." in user.value
        assert "All gone (pretend)." in reply.value and "demo.delete_all" in reply.value and "fa-check" in reply.value
        assert chat.approval_box.layout.display == "none"
        # a second turn: deny
        stub.script(tool_calls(("demo__delete_all", {"confirm": True})), text("Not deleted."))
        chat.text.value = "Again"
        chat.send_button.click()
        assert wait_until(lambda: chat.approval_box.layout.display is None, timeout=15)
        chat.deny_button.click()
        settle(chat)
        assert "Not deleted." in chat.transcript.children[-1].value and "denied" in chat.transcript.children[-1].value
