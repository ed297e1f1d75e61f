"""The kernel side of an MCP App, driven by scripted app messages against the real demo server:
the handshake, which tool calls an app may make, resource reads, links, sizes, malformed
JSON-RPC, cancellation and teardown."""

from __future__ import annotations

from typing import Any

from mcp_workbench import Workbench
from mcp_workbench.core.appmeta import visible_to
from tests.apps.conftest import ScriptedApp, close_answering
from tests.servers import DEMO_ARGS, descendants, wait_until

METHOD_NOT_FOUND, INVALID_REQUEST, INVALID_PARAMS = -32601, -32600, -32602


def count_of(answer: dict[str, Any]) -> int:
    return answer["result"]["structuredContent"]["count"]


def test_initialize_answers_host_context_in_the_version_the_app_sent(counter: Any) -> None:
    app = ScriptedApp(counter)
    app.context(theme="dark", width=640, locale="de-DE", timeZone="Europe/Berlin")
    result = app.initialize("2025-11-21")["result"]
    assert result["protocolVersion"] == "2025-11-21"  # known: the app's own version
    assert result["hostInfo"]["name"] == "mcp-workbench"
    context = result["hostContext"]
    assert context["theme"] == "dark" and context["displayMode"] == "inline" and context["availableDisplayModes"] == ["inline"]
    assert context["containerDimensions"] == {"width": 640, "maxHeight": counter.max_height}
    assert context["locale"] == "de-DE" and context["timeZone"] == "Europe/Berlin"
    assert context["toolInfo"]["tool"]["name"] == "counter"
    caps = result["hostCapabilities"]
    assert {"serverTools", "serverResources", "openLinks", "message", "updateModelContext"} <= set(caps)
    assert caps["sandbox"] == {"permissions": {}, "csp": {}}  # the counter asks for no network, no permission

    # after ui/notifications/initialized: the call's arguments and result
    assert app.from_host("ui/notifications/tool-input") == [
        {"jsonrpc": "2.0", "method": "ui/notifications/tool-input", "params": {"arguments": {}}}]
    (result_note,) = app.from_host("ui/notifications/tool-result")
    assert result_note["params"]["structuredContent"] == counter.result.structured and "resultType" not in result_note["params"]

    other = ScriptedApp(counter, "v2")  # an unknown version: the host answers with its latest
    assert other.initialize("1999-01-01")["result"]["protocolVersion"] == "2026-01-26"

    app.context(theme="light", width=640)  # a change after the handshake reaches the app
    (changed,) = app.from_host("ui/notifications/host-context-changed")
    assert changed["params"] == {"theme": "light"}
    assert other.from_host("ui/notifications/host-context-changed") == []  # per view


def test_tools_call_reaches_only_app_visible_tools_of_the_apps_own_server(bench: Workbench, counter: Any) -> None:
    bench.connect("other", command="python", args=DEMO_ARGS)
    try:
        app = ScriptedApp(counter)
        early = app.request("tools/call", {"name": "increment"})
        assert early["error"]["code"] == INVALID_REQUEST and "ui/initialize first" in early["error"]["message"]
        app.initialize()
        before = bench.call("demo.counter").structured["count"]

        raised = app.request("tools/call", {"name": "increment", "arguments": {"by": 2}})
        assert count_of(raised) == before + 2  # the server counted...
        assert bench.call("demo.counter").structured["count"] == before + 2
        calls = bench.history(server="demo")
        assert calls.iloc[-2]["tool"] == "increment" and calls.iloc[-2]["status"] == "ok"  # ...through the workbench

        refused = app.request("tools/call", {"name": "reset"})  # visibility ["model"]
        assert refused["error"]["code"] == INVALID_PARAMS and "not visible to apps" in refused["error"]["message"]
        assert bench.call("demo.counter").structured["count"] == before + 2  # reset never ran

        added = app.request("tools/call", {"name": "add", "arguments": {"a": 2, "b": 3}})  # no visibility: both
        assert added["result"]["structuredContent"] == {"result": 5}

        for name in ("other.add", "nope"):  # another server's tool, even by its full name: unknown here
            answer = app.request("tools/call", {"name": name, "arguments": {"a": 1, "b": 1}})
            assert answer["error"]["code"] == INVALID_PARAMS and "has no tool" in answer["error"]["message"], answer
        assert "add" not in set(bench.history(server="other")["tool"])

        invalid = app.request("tools/call", {"name": "increment", "arguments": {"by": "two"}})
        assert invalid["error"]["code"] == INVALID_PARAMS and "by" in invalid["error"]["message"]

        listed = [t["name"] for t in app.request("tools/list")["result"]["tools"]]
        assert {"counter", "increment", "add"} <= set(listed) and "reset" not in listed
        own = [name for name, tool in bench.server("demo").tools.items() if visible_to(tool, "app")]
        assert sorted(listed) == sorted(own)  # its own server's tools only (not other's too), each once
    finally:
        bench.disconnect("other")


def test_resources_read_goes_through_the_workbench_to_the_apps_server(bench: Workbench, counter: Any) -> None:
    app = ScriptedApp(counter)
    app.initialize()
    readme = app.request("resources/read", {"uri": "demo://readme"})["result"]["contents"]
    assert readme[0]["uri"] == "demo://readme" and "mcp-workbench-demo" in readme[0]["text"]
    assert bench.history(server="demo").iloc[-1]["tool"] == "demo://readme"
    outside = app.request("resources/read", {"uri": "file:///etc/passwd"})  # the workbench's roots policy
    assert outside["error"]["code"] == -32603 and "/etc/passwd" in outside["error"]["message"]
    listed = app.request("resources/list")["result"]["resources"]
    assert len(listed) == 29 and listed[0]["mimeType"] == "text/html;profile=mcp-app"


def test_malformed_messages_are_answered_with_json_rpc_errors(counter: Any) -> None:
    app = ScriptedApp(counter)
    app.initialize()
    cases = [
        ("not json-rpc", None, INVALID_REQUEST),
        (None, None, INVALID_REQUEST),
        ({"id": 7, "method": "ping"}, 7, INVALID_REQUEST),  # no "jsonrpc": "2.0"
        ({"jsonrpc": "2.0", "id": True, "method": "ping"}, None, INVALID_REQUEST),  # a bool is no id
        ({"jsonrpc": "2.0", "id": 8, "method": 42}, 8, INVALID_REQUEST),
        ({"jsonrpc": "2.0", "id": 9, "method": "ping", "params": [1]}, 9, INVALID_PARAMS),
        ({"jsonrpc": "2.0", "id": 10}, 10, INVALID_REQUEST),  # neither a request nor a response
        ({"jsonrpc": "2.0", "id": 11, "method": "sampling/createMessage", "params": {}}, 11, METHOD_NOT_FOUND),
        ({"jsonrpc": "2.0", "id": 12, "method": "tools/call", "params": {"arguments": {}}}, 12, INVALID_PARAMS),
        ({"jsonrpc": "2.0", "id": 13, "method": "tools/call", "params": {"name": "add", "arguments": [1]}}, 13, INVALID_PARAMS),
        ({"jsonrpc": "2.0", "id": 14, "method": "ui/message", "params": {"role": "assistant", "content": []}}, 14, INVALID_PARAMS),
        ({"jsonrpc": "2.0", "id": 15, "method": "ui/message", "params": {"role": "user", "content": "hi"}}, 15, INVALID_PARAMS),
        ({"jsonrpc": "2.0", "id": 16, "method": "ui/message", "params": {"role": "user", "content": [{"type": "text"}]}}, 16, INVALID_PARAMS),
        ({"jsonrpc": "2.0", "id": 17, "method": "ui/request-display-mode", "params": {"mode": "huge"}}, 17, INVALID_PARAMS),
        ({"jsonrpc": "2.0", "id": "x" * 500, "method": "ping"}, None, INVALID_REQUEST),
    ]  # fmt: skip
    for message, answer_id, code in cases:
        mark = len(counter.wire)
        app.post(message)
        (answer,) = [m for who, _, m in list(counter.wire)[mark:] if who == "host"]
        assert answer["id"] == answer_id and answer["error"]["code"] == code, (message, answer)
        assert "Traceback" not in answer["error"]["message"]
    # notifications get no answer (JSON-RPC); a malformed one is kept in view.problems
    mark = len(counter.wire)
    app.notify("ui/notifications/size-changed", {"height": -5})
    app.notify("ui/notifications/no-such-thing")
    assert [who for who, _, _ in list(counter.wire)[mark:]] == ["app", "app"]
    assert "non-negative number" in counter.problems[-2]["error"] and "unknown notification" in counter.problems[-1]["error"]
    # the front end's own envelope is checked too
    counter.receive({"type": "rpc", "message": {}}).result(timeout=30)
    counter.receive({"view": "v1", "type": "teleport"}).result(timeout=30)
    assert "without a view id" in counter.problems[-2]["error"] and "'teleport'" in counter.problems[-1]["error"]
    assert app.request("ping")["result"] == {}  # and the session goes on


def test_open_link_offers_http_links_to_the_user_and_refuses_the_rest(counter: Any) -> None:
    app = ScriptedApp(counter)
    app.initialize()
    assert app.request("ui/open-link", {"url": "https://example.org/docs?q=1"})["result"] == {}
    assert app.commands("link") == [{"type": "link", "url": "https://example.org/docs?q=1"}]
    for url in ("javascript:alert(1)", "file:///etc/passwd", "http://", "https://example.org/a b", "data:text/html,x"):
        assert app.request("ui/open-link", {"url": url})["result"] == {"isError": True}, url
    assert len(app.commands("link")) == 1  # nothing refused ever reaches the page
    assert [link["status"] for link in counter.links[-6:]] == ["offered"] + ["refused: only http(s) links open"] * 5


def test_cell_size_follows_the_app_up_to_the_hosts_limit(counter: Any) -> None:
    app = ScriptedApp(counter)
    app.initialize()
    app.notify("ui/notifications/size-changed", {"width": 500, "height": 312.4})
    app.notify("ui/notifications/size-changed", {"height": 10**9})
    assert [c["height"] for c in app.commands("size")] == [312, counter.max_height]
    assert counter.size == {"height": counter.max_height}


def test_message_and_model_context_without_a_chat_are_kept_on_the_view(counter: Any) -> None:
    app = ScriptedApp(counter)
    app.initialize()
    said = app.request("ui/message", {"role": "user", "content": [{"type": "text", "text": "The counter is at 4."}]})
    assert said["result"] == {} and counter.messages[-1]["text"] == "The counter is at 4."
    assert "The counter is at 4." in counter.status and "no chat" in counter.status
    context = {"content": [{"type": "text", "text": "shows 4"}], "structuredContent": {"count": 4}}
    assert app.request("ui/update-model-context", context)["result"] == {}
    assert counter.model_context == context
    assert app.request("ui/request-display-mode", {"mode": "fullscreen"})["result"] == {"mode": "inline"}
    app.notify("notifications/message", {"level": "info", "data": "hello from the app"})
    assert counter.logs[-1] == {"level": "info", "logger": None, "data": "hello from the app"}


def test_a_cancelled_request_is_not_answered(bench: Workbench, counter: Any) -> None:
    app = ScriptedApp(counter)
    app.initialize()
    pending = app.post({"jsonrpc": "2.0", "id": "slow-1", "method": "tools/call",
                        "params": {"name": "slow", "arguments": {"seconds": 60, "steps": 60}}}, wait=False)  # fmt: skip
    # handled in order on the engine loop: the call is in flight (awaiting the server) when this arrives
    app.notify("notifications/cancelled", {"requestId": "slow-1"})
    pending.result(timeout=30)  # the handler ended: cancelled, not finished
    assert [m for m in app.sent("host") if m.get("id") == "slow-1"] == []
    assert counter.problems[-1] == {"method": "tools/call", "error": "cancelled by the app"}
    assert app.request("tools/call", {"name": "add", "arguments": {"a": 1, "b": 1}})["result"]["structuredContent"] == {"result": 2}


def test_two_views_of_one_widget_are_separate_sessions(counter: Any) -> None:
    first, second = ScriptedApp(counter, "a"), ScriptedApp(counter, "b")
    first.initialize()
    early = second.request("tools/call", {"name": "counter"})  # b has not initialized
    assert early["error"]["message"].endswith("send ui/initialize first"), early
    assert "result" in first.request("tools/call", {"name": "counter"})
    counter.receive({"view": "a", "type": "gone"}).result(timeout=30)  # a's output was cleared
    again = first.request("tools/call", {"name": "counter"})  # "a" again: a new, empty session
    assert again["error"]["message"].endswith("send ui/initialize first")


def test_teardown_asks_the_app_then_removes_it(bench: Workbench) -> None:
    view = bench.app("demo.counter")
    view.ready.result(timeout=30)
    app, idle = ScriptedApp(view, "live"), ScriptedApp(view, "never-initialized")
    app.initialize()
    idle.context(theme="light")
    done = view.teardown()
    assert wait_until(lambda: app.from_host("ui/resource-teardown"), timeout=30)
    (request,) = app.from_host("ui/resource-teardown")
    assert not done.done() and app.commands("unmount") == []  # waiting for the app to save its state
    app.post({"jsonrpc": "2.0", "id": request["id"], "result": {}})
    done.result(timeout=30)
    assert app.commands("unmount")[0]["reason"] == "The app was closed (closed by the host)."
    assert idle.from_host("ui/resource-teardown") == [] and idle.commands("unmount")  # no handshake: just removed
    late = app.request("tools/call", {"name": "counter"})
    assert late["error"]["code"] == INVALID_REQUEST and "torn down" in late["error"]["message"]
    view.close()


def test_an_app_may_ask_to_be_torn_down(counter: Any) -> None:
    app = ScriptedApp(counter)
    app.initialize()
    app.notify("ui/notifications/request-teardown")
    assert wait_until(lambda: app.from_host("ui/resource-teardown"), timeout=30)
    (request,) = app.from_host("ui/resource-teardown")
    app.post({"jsonrpc": "2.0", "id": request["id"], "result": {}})
    assert wait_until(lambda: app.commands("unmount"), timeout=30)
    assert "the app asked to close" in app.commands("unmount")[0]["reason"]


def test_an_apps_calls_are_traced_recorded_and_replayed_like_any_call(tmp_path: Any) -> None:
    before = descendants()
    wb = Workbench(idle_timeout=None, store=False)
    wb.app_host.teardown_timeout = 600
    try:
        wb.connect("demo", command="python", args=DEMO_ARGS)
        wb.trace("demo")
        cassette = wb.record(tmp_path / "app.jsonl").path  # reconnects demo: a fresh count
        view = wb.app("demo.counter")
        view.ready.result(timeout=30)
        app = ScriptedApp(view)
        app.initialize()
        assert count_of(app.request("tools/call", {"name": "increment", "arguments": {"by": 5}})) == 5
        sent = wb.traffic(method="tools/call", kind="request")
        assert {"name": "increment", "arguments": {"by": 5}}.items() <= sent.iloc[-1]["payload"]["params"].items()
        wb.stop_recording()
        close_answering(view)

        wb.replay(cassette)  # the server is no longer reached: the cassette answers
        view = wb.app("demo.counter")
        view.ready.result(timeout=30)
        assert view.status == "" and "Count:" in view.srcdoc  # the page, from the cassette
        app = ScriptedApp(view)
        app.initialize()
        assert count_of(app.request("tools/call", {"name": "increment", "arguments": {"by": 5}})) == 5
        close_answering(view)
        wb.stop_replay()
    finally:
        wb.close()
    assert wait_until(lambda: not (descendants() - before), timeout=10), "child processes left behind"
