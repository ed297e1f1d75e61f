"""Tasks, completions, subscriptions, log levels, links and icons against the demo server, which
speaks 2026-07-28 (tasks as the ``io.modelcontextprotocol/tasks`` extension, ``subscriptions/listen``,
the log level on each request). The 2025-11-25 forms are tested against server-everything
(``test_modern_everything``). Real servers over stdio and loopback HTTP; no mocks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcp_workbench import ArgumentError, ServerNotFoundError, ToolNotFoundError, Workbench
from mcp_workbench.core.results import BLOCK_COLUMNS
from mcp_workbench.errors import CapabilityError, TaskError
from mcp_workbench.views.frames import LOG_COLUMNS, SUBSCRIPTION_COLUMNS
from mcp_workbench.views.tasks import TASK_COLUMNS, Task
from tests.servers import DEMO_ARGS, ROOT, wait_until

ALT_ARGS = [str(ROOT / "tests" / "alt_server.py")]


def _statuses(wb: Workbench) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    wb.on("task_status", lambda e: seen.append((e["task_id"], e["status"])))
    return seen


# ---------------------------------------------------------------------- tasks
def test_a_task_returns_at_once_and_its_result_comes_later(demo: Workbench) -> None:
    assert demo.server("demo").protocol_version == "2026-07-28"
    t = demo.call("demo.countdown", steps=3, seconds=0.2, task=True)
    assert isinstance(t, Task) and t.server == "demo" and t.tool == "countdown" and t.id
    assert t.status in ("working", "completed") and t.ttl_ms == 600_000
    result = t.result(timeout=60)
    assert result.text == "liftoff after 3 steps" and result.tool == "countdown" and not result.is_error
    assert t.status == "completed" and t.done and t.status_message == "done"
    assert demo.task("demo", t.id) is t  # the same object while this workbench follows it
    frame = demo.tasks()
    assert list(frame.columns) == TASK_COLUMNS
    row = frame.set_index("id").loc[t.id]
    assert (row.server, row.tool, row.status) == ("demo", "countdown", "completed")
    history = demo.history(server="demo")
    assert (history["kind"] == "task").any() and history[history["kind"] == "task"].iloc[-1]["status"] == "ok"


def test_a_task_is_cancelled(demo: Workbench) -> None:
    t = demo.call("demo.countdown", steps=500, seconds=0.05, task=True)
    assert wait_until(lambda: "to go" in (t.status_message or ""), timeout=30), t
    assert t.cancel() is t
    with pytest.raises(TaskError, match=f"demo: task {t.id} \\(countdown\\) was cancelled"):
        t.result(timeout=60)
    assert t.status == "cancelled" and demo.tasks().set_index("id").loc[t.id, "status"] == "cancelled"
    assert t.cancel() is t  # cancelling a finished task asks nothing


def test_input_required_is_answered_by_the_on_elicitation_hook(wb: Workbench) -> None:
    asked: list[Any] = []
    wb.on_elicitation(lambda request: (asked.append(request), {"angle": "history"})[1])
    wb.connect("demo", command="python", args=DEMO_ARGS)
    seen = _statuses(wb)
    t = wb.call("demo.research", topic="tides", ambiguous=True, seconds=0.1, task=True)
    assert t.result(timeout=60).text == "report on tides (history)"
    assert len(asked) == 1 and "'tides' is ambiguous" in asked[0].message and asked[0].server == "demo"
    assert asked[0].schema["properties"]["angle"]["enum"] == ["history", "science"]
    assert (t.id, "input_required") in seen and seen[-1] == (t.id, "completed")


def test_a_tool_that_only_runs_as_a_task_is_called_plainly(demo: Workbench) -> None:
    result = demo.call("demo.research", topic="tides", seconds=0.05)  # waited for, like any call
    assert result.text == "report on tides (general)" and result.structured == {"result": "report on tides (general)"}
    assert "research" in set(demo.tasks()["tool"])  # the server made it a task: it is listed
    assert demo.call("demo.countdown", steps=1, seconds=0.01).text == "liftoff after 1 steps"


def test_reattach_after_a_fresh_workbench_on_the_same_catalog(demo_http_url: str, tmp_path: Path) -> None:
    store = tmp_path / "catalog.sqlite"
    first = Workbench(idle_timeout=None, store=store)
    try:
        first.connect("web", url=demo_http_url)
        started = first.call("web.countdown", steps=15, seconds=0.1, task=True)
        task_id = started.id
    finally:
        first.close()
        assert first.catalog_sync is not None
        first.catalog_sync.close()  # the kernel is gone; the task goes on in the server
    second = Workbench(idle_timeout=None, store=store)
    try:
        assert second.tasks().set_index("id").loc[task_id, "tool"] == "countdown"  # from the catalog
        second.connect("web", url=demo_http_url)
        again = second.task("web", task_id)
        assert again.tool == "countdown" and again.arguments == {"steps": 15, "seconds": 0.1}
        assert again.result(timeout=60).text == "liftoff after 15 steps" and again.status == "completed"
        assert second.tasks().set_index("id").loc[task_id, "status"] == "completed"
        with pytest.raises(Exception, match="Task not found"):
            second.task("web", "no-such-task")
    finally:
        second.close()
        assert second.catalog_sync is not None
        second.catalog_sync.close()


# ---------------------------------------------------------------------- completions
def test_completions_of_prompt_arguments_with_context_and_of_template_variables(demo: Workbench) -> None:
    assert demo.complete("demo.pair", "language", "py") == ["python"]
    assert demo.complete("demo.pair", "framework", "", context={"language": "javascript"}) == ["express", "next", "react"]
    assert demo.complete("demo.pair", "framework", "e") == ["echo", "express"]  # no context: every language's
    assert demo.complete("demo", "item_id", "4", template="demo://items/{item_id}") == ["4", *map(str, range(40, 50))]
    with pytest.raises(ArgumentError, match="prompt demo.pair has no argument 'langauge'; did you mean 'language'"):
        demo.complete("demo.pair", "langauge", "p")
    with pytest.raises(ToolNotFoundError, match="server 'demo' has no resource template 'demo://item/{id}'"):
        demo.complete("demo", "id", "1", template="demo://item/{id}")
    with pytest.raises(ArgumentError, match="has no variable 'id'"):
        demo.complete("demo", "id", "1", template="demo://items/{item_id}")


# ---------------------------------------------------------------------- subscriptions
def test_a_subscription_sees_updates_and_none_after_unsubscribe(demo: Workbench) -> None:
    got: list[str] = []
    sub = demo.subscribe("demo", "demo://counter", on_update=got.append)
    assert sub.active and sub.updates == 0 and sub.last_update is None
    demo.call("demo.bump", by=2)
    assert wait_until(lambda: sub.updates == 1 and got == ["demo://counter"], timeout=20), (sub, got)
    frame = demo.subscriptions()
    assert list(frame.columns) == SUBSCRIPTION_COLUMNS and frame.iloc[0]["updates"] == 1
    assert demo.read("demo", "demo://counter").text.startswith("count ")
    demo.reconnect("demo")  # a new session subscribes again
    demo.call("demo.bump")
    assert wait_until(lambda: sub.updates == 2, timeout=20), sub
    sub.unsubscribe()
    assert not sub.active and demo.subscriptions().empty and "demo://counter" not in demo.server("demo").subscribed
    seen: list[dict[str, Any]] = []
    demo.on("resource_updated", seen.append)
    demo.call("demo.bump")
    demo.ping("demo")
    assert seen == [] and sub.updates == 2


# ---------------------------------------------------------------------- logs
def test_a_log_level_filters_what_the_server_sends(wb: Workbench) -> None:
    wb.connect("demo", command="python", args=DEMO_ARGS, log_level="warning")
    wb.call("demo.chatter")
    logs = wb.logs("demo")
    assert list(logs.columns) == LOG_COLUMNS
    assert list(logs["level"]) == ["warning", "error"] and set(logs["logger"]) == {"demo.chatter"}
    wb.set_log_level("demo", "debug")
    wb.call("demo.chatter")
    assert list(wb.logs("demo")["level"][2:]) == ["debug", "info", "notice", "warning", "error"]
    assert list(wb.logs(level="error")["message"]) == ["chatter at error", "chatter at error"]
    assert len(wb.logs("demo", last=3)) == 3
    with pytest.raises(ServerNotFoundError, match="no server named 'dmeo'; did you mean 'demo'"):
        wb.logs("dmeo")
    with pytest.raises(Exception, match="unknown log level 'loud': use one of debug, info"):
        wb.set_log_level("demo", "loud")


# ---------------------------------------------------------------------- results and listings
def test_links_are_read_and_blocks_are_a_frame(demo: Workbench) -> None:
    result = demo.call("demo.links")
    assert [(link.uri, link.name, link.mime_type) for link in result.links] == [
        ("demo://readme", "readme", "text/markdown"), ("demo://counter", "counter", "text/plain")]
    readme = result.links[0].read()
    assert readme.server == "demo" and readme.text.startswith("# mcp-workbench-demo")
    assert list(result.blocks.columns) == BLOCK_COLUMNS
    assert list(result.blocks["type"]) == ["text", "resource_link", "resource_link"]
    assert result.blocks.iloc[1]["uri"] == "demo://readme" and "2 link(s)" in repr(result)
    assert "r.links[i].read()" in result._repr_mimebundle_()["text/html"]


def test_icons_column_in_the_listings(demo: Workbench) -> None:
    tools = demo.tools("demo").set_index("name")
    assert tools.loc["add", "icons"][0]["mime_type"] == "image/svg+xml"
    assert tools.loc["add", "icons"][0]["src"].startswith("data:image/svg+xml;base64,")
    assert tools.loc["echo", "icons"] is None
    assert demo.prompts("demo").set_index("name").loc["review", "icons"][0]["sizes"] == ["16x16"]
    assert demo.resources("demo").set_index("uri").loc["demo://readme", "icons"] is not None


# ---------------------------------------------------------------------- refusals
def test_what_a_server_did_not_advertise_is_refused_in_one_line(wb: Workbench) -> None:
    wb.connect("time", command="python", args=["-m", "mcp_server_time", "--local-timezone", "UTC"])
    wb.connect("alt", command="python", args=ALT_ARGS)
    wb.connect("demo", command="python", args=DEMO_ARGS)
    wb.trace()
    refusals = {
        "server 'time' does not offer logging (no logging capability)": lambda: wb.set_log_level("time", "debug"),
        "server 'alt' does not offer completions (no completions capability)":
            lambda: wb.complete("alt", "x", "", template="a://{x}"),
        "server 'time' does not offer resource subscriptions (no resources.subscribe capability)":
            lambda: wb.subscribe("time", "a://b"),
        "server 'time' does not offer tasks: it did not advertise the io.modelcontextprotocol/tasks extension":
            lambda: wb.call("time.get_current_time", timezone="UTC", task=True),
        "server 'demo' speaks 2026-07-28, whose tasks extension has no tasks/list":
            lambda: wb.tasks("demo", remote=True),
    }  # fmt: skip
    for message, attempt in refusals.items():
        with pytest.raises(CapabilityError) as err:
            attempt()
        assert str(err.value) == message
    sent = set(wb.traffic(kind="request")["method"])
    assert not sent & {"logging/setLevel", "completion/complete", "resources/subscribe", "tasks/list"}
    with pytest.raises(ArgumentError, match="task= is the workbench's flag"):
        wb.call("demo.echo", text="x", task="yes")
    with pytest.raises(ArgumentError, match="remote=True asks one server"):
        wb.tasks(remote=True)


def test_a_task_shows_a_plain_line_without_a_kernel(demo: Workbench) -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()  # a terminal-like shell: no kernel, no widgets
    t = demo.call("demo.countdown", steps=1, seconds=0.01, task=True)
    t.result(timeout=60)
    with capture_output() as cap:
        display(t)
    [shown] = cap.outputs
    assert shown.data["text/plain"] == f"<Task demo.countdown {t.id} completed: done>"
    html = t._repr_mimebundle_()["text/html"]
    assert "mcp-task-completed" in html and "<code>demo.countdown</code>" in html and t.id in html


def test_a_disconnected_servers_subscriptions_end(demo: Workbench) -> None:
    sub = demo.subscribe("demo", "demo://counter")
    assert demo.subscribe("demo", "demo://counter") is sub  # one subscription per (server, uri)
    demo.disconnect("demo")
    assert demo.subscriptions().empty and not sub.active
