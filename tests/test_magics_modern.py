"""The modern-protocol subcommands in a real IPython shell against the demo server (stdio):
``%mcp call --task``, ``tasks``, ``task``, ``complete``, ``subscribe`` / ``unsubscribe`` /
``subscriptions``, ``log-level``, ``logs``, ``connect --log-level``, their help, and tab
completion of prompt argument values from the server's completions."""

from __future__ import annotations

from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from mcp_workbench import ToolResult
from mcp_workbench.core.subscriptions import Subscription
from mcp_workbench.views.tasks import TASK_COLUMNS, Task
from tests.servers import wait_until
from tests.test_magics_display import _complete
from tests.test_magics_shell import DEMO, demo_fixture, fails, ip_fixture, run, wb  # noqa: F401

MODERN = ("tasks", "task", "complete", "subscribe", "unsubscribe", "subscriptions", "log-level", "logs")


def test_help_documents_the_modern_subcommands(ip: InteractiveShell) -> None:
    with capture_output() as cap:
        run(ip, "%mcp help")
    for name in MODERN:
        assert f"%mcp {name}" in cap.stdout, name
    with capture_output() as cap:
        run(ip, "%mcp help call")
    assert "--task" in cap.stdout and "re-attaches" in cap.stdout
    with capture_output() as cap:
        run(ip, "%mcp help task")
    assert "--cancel" in cap.stdout and "--result" in cap.stdout and "t.result(timeout=None)" in cap.stdout


def test_call_as_a_task_then_list_reattach_and_cancel(demo: InteractiveShell) -> None:
    task = run(demo, "%mcp call demo.countdown steps=2 seconds=0.05 --task -o t")
    assert isinstance(task, Task) and demo.user_ns["t"] is task
    result = run(demo, f"%mcp task demo {task.id} --result --timeout 60")
    assert isinstance(result, ToolResult) and result.text == "liftoff after 2 steps"
    tasks = run(demo, "%mcp tasks demo")
    assert list(tasks.columns) == TASK_COLUMNS and task.id in set(tasks["id"])
    long = run(demo, "%mcp call demo.countdown steps=400 seconds=0.05 --task")
    assert run(demo, f"%mcp task demo {long.id} --cancel") is long
    assert wait_until(lambda: long.status == "cancelled", timeout=30)
    assert "use --cancel or --result, not both" in fails(demo, f"%mcp task demo {long.id} --cancel --result")
    assert "2026-07-28, whose tasks extension has no tasks/list" in fails(demo, "%mcp tasks demo --remote")


def test_complete_subscribe_and_logs(demo: InteractiveShell) -> None:
    assert run(demo, "%mcp complete demo.pair framework --context language=rust") == ["axum", "rocket"]
    assert run(demo, "%mcp complete demo item_id 4 --template demo://items/{item_id} -o ids")[:2] == ["4", "40"]
    assert demo.user_ns["ids"][0] == "4"
    assert "has no argument 'nope'" in fails(demo, "%mcp complete demo.pair nope x")
    sub = run(demo, "%mcp subscribe demo demo://counter")
    assert isinstance(sub, Subscription) and sub.active
    run(demo, "%mcp call demo.bump")
    assert wait_until(lambda: sub.updates == 1, timeout=20), sub
    assert list(run(demo, "%mcp subscriptions")["uri"]) == ["demo://counter"]
    with capture_output() as cap:
        run(demo, "%mcp unsubscribe demo demo://counter")
    assert "unsubscribed from demo://counter on demo" in cap.stdout and not sub.active
    with capture_output() as cap:
        run(demo, "%mcp log-level demo error")
    assert "demo: log messages at error and above" in cap.stdout
    run(demo, "%mcp call demo.chatter")
    assert list(run(demo, "%mcp logs demo --level warning")["level"]) == ["error"]
    assert "unknown log level 'shout'" in fails(demo, "%mcp log-level demo shout")


def test_connect_with_a_log_level(ip: InteractiveShell) -> None:
    run(ip, f"%mcp connect lvl --stdio {DEMO} --log-level error")
    run(ip, "%mcp call lvl.chatter")
    assert list(run(ip, "%mcp logs lvl")["level"]) == ["error"]
    run(ip, "%mcp disconnect lvl")


def test_tab_completion_asks_the_server_for_argument_values(demo: InteractiveShell) -> None:
    assert _complete(demo, "%mcp prompt demo.pair language=py") == ["python"]
    assert _complete(demo, "%mcp prompt demo.pair language=go framework=") == ["echo", "gin"]
    assert _complete(demo, "%mcp complete demo.pair ") == ["language", "framework"]
    assert _complete(demo, "%mcp complete demo.pair language ru") == ["rust"]
    assert _complete(demo, "%mcp log-level demo w") == ["warning"]
    assert _complete(demo, "%mcp logs --level cr") == ["critical"]
    assert "//counter" in _complete(demo, "%mcp subscribe demo demo:/")
