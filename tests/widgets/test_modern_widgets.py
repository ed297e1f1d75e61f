"""The dashboard's modern-protocol pieces, driven like a person would in a real IPython shell:
completions suggested as you type (prompts, templates), the subscribe toggle on a resource, the
Tasks tab (live status, cancel, result) and the log-level selector of the Servers tab.

Real parts only: the demo server over stdio (it speaks 2026-07-28: tasks extension, completions,
a subscribable counter, log levels).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from mcp_workbench import Workbench
from mcp_workbench.widgets.dashboard import Dashboard
from tests.servers import wait_until
from tests.widgets.util import settle  # the shell, demo_bench and board fixtures come from conftest.py


def test_prompt_arguments_suggest_completions_with_the_other_arguments_as_context(board: Dashboard) -> None:
    prompts = board.panels["Prompts"]
    prompts.listing.value = "demo.pair"
    language, framework = prompts.form.fields["language"].control, prompts.form.fields["framework"].control
    assert isinstance(language, widgets.Combobox) and isinstance(framework, widgets.Combobox)
    language.value = "p"
    assert wait_until(lambda: language.options == ("python",), timeout=20), language.options
    language.value = "python"
    framework.value = "f"
    assert wait_until(lambda: framework.options == ("fastapi", "flask"), timeout=20), framework.options
    framework.value = "flask"
    prompts.action_button.click()
    settle(prompts)
    assert "flask project in python" in prompts.result.outputs[-1]["data"]["text/plain"]


def test_template_variables_suggest_completions(board: Dashboard) -> None:
    resources = board.panels["Resources"]
    resources.listing.value = ("template", "demo", "demo://items/{item_id}")
    item = resources.form.fields["item_id"].control
    assert isinstance(item, widgets.Combobox)
    item.value = "4"
    assert wait_until(lambda: "40" in item.options and "4" in item.options, timeout=20), item.options
    assert resources.live is not None and resources.live.layout.display == "none"  # no toggle on a template


def test_subscribe_toggle_rereads_the_resource_on_each_update_and_stops_after(
    board: Dashboard, demo_bench: Workbench
) -> None:
    resources = board.panels["Resources"]
    resources.listing.value = ("resource", "demo", "demo://counter")
    live = resources.live
    assert live is not None and live.layout.display is None and not live.toggle.value
    live.toggle.value = True
    settle(resources)
    assert "demo://counter" in demo_bench.server("demo").subscribed
    value = int(demo_bench.call("demo.bump", by=5).value)
    assert wait_until(lambda: "1 update(s)" in live.note.value, timeout=20), live.note.value
    assert wait_until(lambda: resources.result.outputs and f"count {value}" in
                      resources.result.outputs[-1]["data"]["text/plain"], timeout=20)  # fmt: skip
    live.toggle.value = False
    settle(resources)
    assert "demo://counter" not in demo_bench.server("demo").subscribed and "unsubscribed" in live.note.value
    seen: list[dict[str, Any]] = []
    off = demo_bench.on("resource_updated", seen.append)
    try:
        demo_bench.call("demo.bump")
        demo_bench.ping("demo")  # a round trip after the bump: an update, had one been sent, arrived before it
    finally:
        off()
    assert seen == [] and demo_bench.subscriptions().empty


def test_tasks_tab_shows_live_status_cancels_and_shows_a_result(board: Dashboard, demo_bench: Workbench) -> None:
    tasks = board.panels["Tasks"]
    long = demo_bench.call("demo.countdown", steps=200, seconds=0.1, task=True)
    assert wait_until(lambda: long.id in tasks.table.value and "to go" in tasks.table.value, timeout=20)
    tasks.selected.value = ("demo", long.id)
    tasks.cancel_button.click()
    settle(tasks)
    assert wait_until(lambda: long.status == "cancelled", timeout=20)
    assert wait_until(lambda: "● cancelled" in tasks.table.value, timeout=20), tasks.table.value
    short = demo_bench.call("demo.countdown", steps=2, seconds=0.05, task=True)
    assert wait_until(lambda: ("demo", short.id) in [v for _, v in tasks.selected.options], timeout=20)
    tasks.selected.value = ("demo", short.id)
    tasks.result_button.click()
    settle(tasks)
    assert "liftoff after 2 steps" in tasks.result.outputs[-1]["data"]["text/plain"]
    assert "● completed" in tasks.table.value


def test_servers_tab_sets_a_servers_log_level(board: Dashboard, demo_bench: Workbench) -> None:
    servers = board.panels["Servers"]
    level = servers.levels["demo"]  # on the server's own row
    assert level in servers.table.rows["demo"].controls.children and not level.disabled
    level.value = "error"
    settle(servers)
    assert demo_bench.server("demo").log_level == "error" and "log level error: done" in servers.status.value
    before = len(demo_bench.logs("demo"))
    demo_bench.call("demo.chatter")
    assert list(demo_bench.logs("demo")["level"][before:]) == ["error"]
