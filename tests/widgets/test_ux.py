"""What a new user trips over in the dashboard (issue 19), each fixed and checked in a real shell.

The dashboard is driven as a person would (values set, buttons clicked) against the demo server
over stdio, with the wire traced where the protocol matters (Cancel sends
``notifications/cancelled``) and the scripted OpenAI server for the chat panel. What only a
browser can show (Enter in the page, the kernel-gone banner, icons) is in test_browser.py.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import ipywidgets as widgets
import pytest

from IPython.display import display
from IPython.utils.capture import capture_output

from mcp_workbench.widgets.dashboard import FALLBACK, NOTICE, STYLE, Dashboard
from mcp_workbench.widgets.forms import SchemaForm, multiline, prompt_schema
from tests.openai_stub import OpenAIStub, text, tool_calls
from tests.servers import wait_until
from tests.widgets.util import settle, shown


def _calls(bench: Any, tool: str) -> int:
    return sum(1 for r in bench.log.snapshot() if r.tool == tool)


# ---------------------------------------------------------------------- 1. destructive tools ask first
def test_a_destructive_tool_asks_first_naming_its_arguments(board: Dashboard, demo_bench: Any) -> None:
    tools = board.panels["Tools"]
    tools.listing.value = "demo.delete_all"
    assert "destructive" in tools.detail.value and "fa-exclamation-triangle" in tools.detail.value
    tools.form.fields["confirm"].control.value = True
    before = _calls(demo_bench, "delete_all")
    tools.call_button.click()
    assert tools.confirm_box.layout.display is None and tools.call_button.disabled and not tools.pending
    assert "demo.delete_all is marked destructive" in tools.confirm_text.value
    assert "demo.delete_all({&quot;confirm&quot;: true})" in tools.confirm_text.value  # tool and arguments
    assert _calls(demo_bench, "delete_all") == before  # nothing called before confirming
    tools.keep_button.click()
    assert tools.confirm_box.layout.display == "none" and "was not run" in tools.call_status.value
    assert _calls(demo_bench, "delete_all") == before and not tools.call_button.disabled
    tools.call_button.click()
    tools.confirm_button.click()
    settle(tools)
    assert "deleted everything" in shown(tools.result)["text/plain"] and _calls(demo_bench, "delete_all") == before + 1


def test_confirmation_can_be_turned_off_and_switching_tools_drops_a_pending_question(board: Dashboard) -> None:
    tools = board.panels["Tools"]
    tools.listing.value = "demo.delete_all"
    tools.call_button.click()
    assert tools.pending_confirmation is not None
    tools.listing.value = "demo.add"  # the question was about delete_all: it goes away with it
    assert tools.pending_confirmation is None and tools.confirm_box.layout.display == "none"
    board.wb.dashboards.confirm_destructive = False  # what %config McpWorkbench.confirm_destructive = False sets
    try:
        tools.listing.value = "demo.delete_all"
        tools.call_button.click()
        assert tools.confirm_box.layout.display == "none"
        settle(tools)
        assert "nothing deleted" in shown(tools.result)["text/plain"]
    finally:
        board.wb.dashboards.confirm_destructive = True


# ---------------------------------------------------------------------- 3. Cancel and the timeout field
def test_cancel_sends_notifications_cancelled_and_frees_the_button(board: Dashboard, demo_bench: Any) -> None:
    tools = board.panels["Tools"]
    demo_bench.trace("demo")
    try:
        tools.listing.value = "demo.sleep_forever"
        assert tools.timeout.value == demo_bench.default_timeout and tools.cancel_button.layout.display == "none"
        tools.call_button.click()
        assert tools.cancel_button.layout.display is None and tools.call_button.disabled

        def sent() -> Any:
            out = demo_bench.traffic(method="tools/call", kind="request", all_columns=True)
            mine = out[out["payload"].map(lambda p: p["params"]["name"] == "sleep_forever")]
            return None if mine.empty else mine["id"].iloc[-1]

        assert wait_until(lambda: sent() is not None, timeout=15)
        request_id = sent()
        tools.cancel_button.click()
        assert not tools.call_button.disabled and tools.cancel_button.layout.display == "none"  # free at once
        assert "cancelled" in tools.call_status.value and tools.progress.bar_style == "warning"

        def cancelled() -> bool:
            out = demo_bench.traffic(method="notifications/cancelled", all_columns=True)
            return any(r["direction"] == "out" and r["payload"]["params"]["requestId"] == request_id
                       for r in out.to_dict("records"))  # fmt: skip

        assert wait_until(cancelled, timeout=15), demo_bench.traffic(all_columns=True).tail(5)
        assert wait_until(lambda: demo_bench.history(last=1).iloc[0]["status"] == "cancelled", timeout=10)
        tools.listing.value = "demo.echo"  # the server stays usable
        tools.form.fields["text"].control.value = "still here"
        tools.call_button.click()
        settle(tools)
        assert shown(tools.result)["text/plain"].endswith("still here")
    finally:
        demo_bench.trace("demo", stop=True)


def test_the_timeout_field_bounds_a_call_and_its_error_is_said_once_in_its_terms(board: Dashboard) -> None:
    tools = board.panels["Tools"]
    tools.listing.value = "demo.sleep_forever"
    tools.timeout.value = 0.5
    tools.call_button.click()
    settle(tools, timeout=30)
    assert tools.call_status.value.count("timed out") == 1 and "within" not in tools.call_status.value
    failure = shown(tools.result)["text/plain"]
    assert "did not answer within 0.5 s" in failure and "raise Timeout (s) next to Call" in failure
    assert "raise the timeout" not in failure


# ---------------------------------------------------------------------- 5. forms
def test_required_numbers_start_empty_and_call_is_refused_naming_them(board: Dashboard, demo_bench: Any) -> None:
    tools = board.panels["Tools"]
    tools.listing.value = "demo.add"
    a, b = tools.form.fields["a"].control, tools.form.fields["b"].control
    assert (a.value, b.value) == ("", "") and isinstance(a, widgets.Text)
    before = _calls(demo_bench, "add")
    tools.call_button.click()
    assert "fix the form: a: required; b: required" in tools.call_status.value and not tools.pending
    a.value, b.value = "2", "x"
    tools.call_button.click()
    assert "b: expected a whole number, got 'x'" in html.unescape(tools.call_status.value)
    b.value = "2.5"
    tools.call_button.click()
    assert "b: expected a whole number, got '2.5'" in html.unescape(tools.call_status.value)
    assert _calls(demo_bench, "add") == before
    b.value = "3"
    tools.call_button.click()
    settle(tools)
    assert shown(tools.result)["text/plain"].endswith("\n5")
    tools.listing.value = "demo.slow"  # a number: no NaN or infinity (JSON has neither)
    tools.form.fields["seconds"].control.value = "inf"
    tools.call_button.click()
    assert "seconds: expected a number, got 'inf'" in html.unescape(tools.call_status.value)


def test_values_are_kept_per_tool_and_switching_clears_result_and_progress(board: Dashboard) -> None:
    tools = board.panels["Tools"]
    tools.listing.value = "demo.add"
    add_form = tools.form
    add_form.fields["a"].control.value, add_form.fields["b"].control.value = "1", "2"
    tools.call_button.click()
    settle(tools)
    assert shown(tools.result)["text/plain"].endswith("\n3") and tools.progress.layout.visibility == "visible"
    tools.listing.value = "demo.echo"
    assert tools.result.outputs == () and tools.progress.layout.visibility == "hidden" and tools.call_status.value == ""
    tools.form.fields["text"].control.value = "typed, not sent"
    tools.listing.value = "demo.add"  # back: its values and its own last result
    assert tools.form is add_form and add_form.fields["a"].control.value == "1"
    assert shown(tools.result)["text/plain"].endswith("\n3") and "demo.add ok" in tools.call_status.value
    tools.listing.value = "demo.echo"
    assert tools.form.fields["text"].control.value == "typed, not sent" and tools.result.outputs == ()
    prompts = board.panels["Prompts"]  # the prompt forms too
    prompts.listing.value = "demo.review"
    assert isinstance(prompts.form.fields["code"].control, widgets.Textarea)  # text, kept out of completions
    prompts.form.fields["code"].control.value = "x = 1"
    prompts.action_button.click()
    settle(prompts)
    prompts.listing.value = "demo.summarize"
    assert prompts.result.outputs == () and prompts.status.value == ""
    prompts.listing.value = "demo.review"
    assert prompts.form.fields["code"].control.value == "x = 1"


# ---------------------------------------------------------------------- 8. text areas, Markdown, JSON
def test_text_parameters_and_prompt_arguments_get_a_text_area() -> None:
    form = SchemaForm({"type": "object", "properties": {
        "name": {"type": "string"}, "code": {"type": "string"}, "bodyText": {"type": "string"},
        "note": {"type": "string", "description": "Free text, several lines"},
        "essay": {"type": "string", "maxLength": 5000}, "doc": {"type": "string", "format": "markdown"},
        "email": {"type": "string", "format": "email"}, "short": {"type": "string", "maxLength": 20},
    }})  # fmt: skip
    areas = {n for n, f in form.fields.items() if isinstance(f.control, widgets.Textarea)}
    assert areas == {"code", "bodyText", "note", "essay", "doc"}
    assert not multiline("language", {"type": "string"}) and multiline("query", {"format": "multiline"})
    arguments = [type("A", (), {"name": n, "description": d, "required": False})()
                 for n, d in (("code", ""), ("language", ""), ("focus", "free text about what to look at"))]
    prompt = SchemaForm(prompt_schema(arguments))
    areas = {n for n, f in prompt.fields.items() if isinstance(f.control, widgets.Textarea)}
    assert areas == {"code", "focus"}  # "language" stays a line (a server's completions can fill it)
    prompt.fields["code"].control.value = "line one\nline two"
    assert prompt.values() == {"code": "line one\nline two"}


def test_markdown_resources_render_and_json_resources_are_a_tree_with_raw(board: Dashboard) -> None:
    resources = board.panels["Resources"]
    resources.listing.value = ("resource", "demo", "demo://readme")
    resources.action_button.click()
    settle(resources)
    page = shown(resources.result)["text/html"]
    assert '<div class="mcp-markdown"><h1>' in page and "<pre" not in page.split("mcp-markdown")[1][:40]
    resources.listing.value = ("resource", "demo", "demo://config.json")
    resources.action_button.click()
    settle(resources)
    page = shown(resources.result)["text/html"]
    assert 'class="mcp-json-tree"' in page and "<details open><summary>" in page
    assert '<details class="mcp-json-raw"><summary>raw</summary><pre' in page and "page_size" in page
    assert "application/json" not in shown(resources.result)  # JupyterLab would draw its own tree instead


# ---------------------------------------------------------------------- 4, 9. servers: rows, errors in context
def test_each_row_acts_on_its_own_server(bench: Any, tmp_path: Any) -> None:
    from tests.servers import DEMO_ARGS

    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {n: {"command": "python", "args": DEMO_ARGS} for n in ("one", "two")}}))
    bench.load_config(config)
    servers = bench.dashboard().panels["Servers"]
    assert list(servers.table.rows) == ["one", "two"] and not hasattr(servers, "selected")  # no shared dropdown
    two = servers.table.rows["two"]
    assert [b.description for b in two.controls.children[:3]] == ["Reconnect", "Disconnect", "Ping"]
    assert two.controls.children[3] is servers.levels["two"]  # and the row's log level
    assert "mcp-server-two" in two.controls._dom_classes and "mcp-server-actions" in two.controls._dom_classes
    two.ping.click()
    assert wait_until(lambda: re.search(r"ping two: \d+ ms", servers.status.value), timeout=15), servers.status.value
    assert " ms<" in two.cells[6].value
    two.disconnect.click()
    assert wait_until(lambda: "disconnect two: done" in servers.status.value, timeout=20), servers.status.value
    assert bench.server_names() == ["one"] and list(servers.table.rows) == ["one"]
    one = servers.table.rows["one"]
    one.reconnect.click()
    assert wait_until(lambda: "reconnect one: done" in servers.status.value, timeout=20), servers.status.value
    assert bench.server("one").status == "connected" and list(servers.levels) == ["one"]


def test_a_failed_connect_is_explained_once_in_the_forms_terms(bench: Any) -> None:
    servers = bench.dashboard().panels["Servers"]
    placeholders = [servers.name, servers.command, servers.args, servers.env, servers.url, servers.headers]
    assert all(p.placeholder.startswith("e.g. ") for p in placeholders)  # visibly placeholders
    assert "::placeholder" in STYLE and "italic" in STYLE
    servers.name.value, servers.command.value = "broken", "python"
    servers.args.value = "-c 'import sys; print(\"missing \" + \"THING\", file=sys.stderr); sys.exit(3)'"
    servers.connect_button.click()
    assert wait_until(lambda: "did not connect" in servers.status.value, timeout=30), servers.status.value
    error = servers.table.rows["broken"].cells[8].value
    assert "missing THING" in error and "add KEY=VALUE lines to the Env box, or tick Inherit env" in error
    assert "env={...}" not in error and "inherit_env=True" not in error
    assert "the reason is in its row above" in servers.status.value and "missing THING" not in servers.status.value
    assert bench.server("broken").last_error.count("missing THING") == 1
    servers.name.value, servers.transport.value, servers.url.value = "web", "http", ""
    servers.connect_button.click()
    assert "give the server's address in the URL box" in html.unescape(servers.status.value)


# ---------------------------------------------------------------------- 6, 7. chat: key, Enter, settings, usage
@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def enter(chat: Any, message: str) -> None:
    """Type a message and press Enter: the page syncs the text, then sends "submit"."""
    chat.text.value = message
    chat.text._handle_custom_msg({"event": "submit"}, [])


def test_the_key_field_keeps_the_key_off_the_page_and_enter_sends(demo_bench: Any, no_key: None) -> None:
    with OpenAIStub(api_key="sk-field-1234") as stub:
        stub.script(text("Hello from the stub."))
        chat = demo_bench.dashboard().panels["Chat"]
        chat.base_url.value = stub.url
        assert "no key set" in chat.key_state.value and chat.forget_button.layout.display == "none"
        chat.key.value = "sk-field-1234"  # what pressing Enter in the password box syncs
        assert chat.key.value == "" and chat.key.get_state()["value"] == ""  # cleared at once
        assert "key set" in chat.key_state.value and chat.forget_button.layout.display is None
        enter(chat, "hi")
        assert chat.text.value == "" and chat.send_button.disabled  # sent by Enter, no click
        settle(chat)
        assert "Hello from the stub." in chat.transcript.children[-1].value, chat.status.value
        assert stub.headers[0]["authorization"] == "Bearer sk-field-1234"
        saved = json.dumps(widgets.Widget.get_manager_state(drop_defaults=False), default=str)
        assert "sk-field-1234" not in saved  # nothing of it in the notebook's widget state
        chat.forget_button.click()
        assert "no key set" in chat.key_state.value


def test_a_missing_key_is_explained_once_without_printing_a_key(demo_bench: Any, no_key: None) -> None:
    chat = demo_bench.dashboard().panels["Chat"]
    enter(chat, "hello")
    settle(chat)
    note = chat.transcript.children[-1].value
    assert "API key field of the dashboard" in note and "wb.chat(api_key=getpass())" in note
    assert "%env" not in note and "sk-" not in note
    assert chat.status.value.count("API key") == 0 and "the reason is above" in chat.status.value  # said once


def test_changing_the_model_keeps_the_conversation_and_usage_says_n_a(demo_bench: Any, no_key: None) -> None:
    with OpenAIStub(api_key=None) as stub:
        stub.script(text("First answer."), text("Second answer.", usage=False))
        chat = demo_bench.dashboard().panels["Chat"]
        chat.base_url.value = stub.url
        enter(chat, "remember the word kiwi")
        settle(chat)
        assert "tokens in" in chat.transcript.children[-1].value
        chat.model.value = "other-model"
        assert "model is now other-model" in chat.transcript.children[-1].value
        enter(chat, "which word?")
        settle(chat)
        second = stub.requests[1]
        assert second["model"] == "other-model"
        assert [m["content"] for m in second["messages"] if m["role"] == "user"] == ["remember the word kiwi", "which word?"]
        assert "First answer." in json.dumps(second["messages"])  # the conversation went on
        reply = chat.transcript.children[-1].value
        assert "Second answer." in reply and "tokens n/a" in reply and "0 tokens in" not in reply
        chat.new_button.click()
        assert chat.transcript.children == () and chat.session_name is None


def test_chat_icons_are_font_awesome_not_emoji(demo_bench: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with OpenAIStub() as stub:
        stub.script(tool_calls(("demo__add", {"a": 1, "b": 2})), text("3"))
        chat = demo_bench.dashboard().panels["Chat"]
        chat.base_url.value = stub.url
        enter(chat, "add")
        settle(chat)
    reply = chat.transcript.children[-1].value
    assert '<i class="fa fa-wrench"' in reply and '<i class="fa fa-check" role="img" aria-label="ok"' in reply
    assert not re.search("[\U0001F000-\U0001FFFF\u2600-\u27BF\uFE0F]", reply)  # no emoji (they need a font)


# ---------------------------------------------------------------------- 10. kernel gone, grouped progress
def test_a_dashboard_says_when_its_kernel_went_away(board: Dashboard) -> None:
    assert "mcp-dashboard" in board._dom_classes and "mcp-kernel-gone" in board.gone._dom_classes
    assert board.children[:2] == (board.style, board.gone) and "Re-run its cell" in board.gone.value
    # the page's widget manager marks a view whose kernel is gone: that class shows the banner
    assert ".mcp-dashboard.jupyter-widgets-disconnected .mcp-kernel-gone { display: block; }" in STYLE
    bundle = board._repr_mimebundle_()
    assert bundle["text/plain"] == FALLBACK and "application/vnd.jupyter.widget-view+json" in bundle
    assert "Re-run its cell" in FALLBACK
    # In a cell: a notice for when the widget cannot be drawn (JupyterLab shows no text fallback for a
    # missing model), hidden next to a drawn dashboard; HTML only, so a terminal prints nothing.
    with capture_output() as cap:
        display(board)
    notice, widget = (o.data for o in cap.outputs)
    assert set(notice) == {"text/html"} and 'class="mcp-kernel-notice"' in notice["text/html"]
    assert ".jp-OutputArea:has(.mcp-dashboard) .mcp-kernel-notice" in NOTICE and "Re-run its cell" in NOTICE
    assert widget["application/vnd.jupyter.widget-view+json"]["model_id"] == board.model_id


def test_activity_groups_a_calls_progress_under_the_call(board: Dashboard, demo_bench: Any) -> None:
    activity = board.panels["Activity"]
    activity.clear()
    demo_bench.call("demo.slow", seconds=0.3, steps=3, on_progress=lambda *a: None)
    demo_bench.call("demo.add", a=1, b=1)
    assert wait_until(lambda: "✓ call demo.add ok" in activity.feed.value, timeout=10)
    feed = activity.feed.value
    assert feed.count("mcp-activity-call") == 1  # one call line holds its progress
    group = feed.split("mcp-activity-call", 1)[1].split("</details>", 1)[0]
    assert "▶ call demo.slow" in group and "3 progress update(s), latest: … demo.slow 3/3 step 3/3" in group
    assert all(f"… demo.slow {i}/3 step {i}/3" in group for i in (1, 2, 3))
    outside = feed.replace(group, "")
    assert "… demo.slow" not in outside  # no progress lines loose in the log
