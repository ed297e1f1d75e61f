"""Tasks, completions, subscriptions, log levels and links in their 2025-11-25 form, against
``@modelcontextprotocol/server-everything`` 2026.8.31 over stdio and over its Streamable HTTP mode:
``tools/call`` with a ``task`` field, ``tasks/get`` / ``tasks/result`` / ``tasks/cancel`` /
``tasks/list``, ``notifications/tasks/status``, ``resources/subscribe``, ``logging/setLevel``.

A missing install FAILS (CI installs it: ``.ci/install.sh``). Every test closes its workbench
and checks that no child process is left behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mcp_workbench import Workbench
from mcp_workbench.core.logs import at_least
from mcp_workbench.errors import CapabilityError, TaskError
from mcp_workbench.views.tasks import Task
from tests.servers import descendants, wait_until
from tests.third_party import ThirdPartyServerUnavailable, everything_command, everything_http

TOPIC_STAGES = ("Gathering sources...", "Analyzing content...", "Synthesizing findings...", "Generating report...")
DOCS = "demo://resource/static/document"


@pytest.fixture(scope="module")
def http_url() -> Iterator[str]:
    try:
        with everything_http("streamableHttp", allow_npx=False) as url:
            yield url
    except ThirdPartyServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(params=["stdio", "http"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def connect(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Workbench]]:
    """``connect(transport, on_elicitation=None)``: a workbench with server-everything as ``ev``."""
    before = descendants()
    made: list[Workbench] = []

    def make(kind: str = "stdio", on_elicitation: Any = None) -> Workbench:
        wb = Workbench(idle_timeout=None, store=tmp_path / f"catalog-{len(made)}.sqlite")
        made.append(wb)
        if on_elicitation is not None:
            wb.on_elicitation(on_elicitation)
        if kind == "http":
            url = request.getfixturevalue("http_url")  # the module's server process is not this test's
            before.update(descendants())
            wb.connect("ev", url=url)
        else:
            try:
                argv = everything_command("stdio", allow_npx=False)
            except ThirdPartyServerUnavailable as exc:
                pytest.fail(str(exc), pytrace=False)
            wb.connect("ev", command=argv[0], args=argv[1:])
        assert wb.server("ev").protocol_version == "2025-11-25"
        return wb

    yield make
    for wb in made:
        wb.close()
        assert wb.catalog_sync is not None
        wb.catalog_sync.close()
    assert wait_until(lambda: not (descendants() - before), timeout=15), "child processes left behind"


# ---------------------------------------------------------------------- tasks
def test_a_task_reports_its_stages_and_its_result(connect: Callable[..., Workbench], transport: str) -> None:
    wb = connect(transport)
    messages: list[str] = []
    wb.on("task_status", lambda e: messages.append(e["status_message"]))
    t = wb.call("ev.simulate-research-query", topic="tides", task=True)
    assert isinstance(t, Task) and t.status == "working" and t.ttl_ms == 300_000 and t.created
    result = t.result(timeout=120)
    assert result.text.startswith("# Research Report: tides") and t.status == "completed"
    assert set(TOPIC_STAGES[1:]) <= set(messages)  # notifications/tasks/status and polls: the live line's words
    row = wb.tasks().set_index("id").loc[t.id]
    assert (row.server, row.tool, row.status, row.ttl_ms) == ("ev", "simulate-research-query", "completed", 300_000)
    listed = wb.tasks("ev", remote=True)  # the server's own tasks/list
    assert t.id in set(listed["id"]) and listed.set_index("id").loc[t.id, "status"] == "completed"


def test_a_task_is_cancelled(connect: Callable[..., Workbench], transport: str) -> None:
    wb = connect(transport)
    t = wb.call("ev.simulate-research-query", topic="never mind", task=True)
    t.cancel()
    assert t.status == "cancelled" and t.status_message == "Client cancelled task execution."
    with pytest.raises(TaskError, match=f"ev: task {t.id} \\(simulate-research-query\\) was cancelled"):
        t.result(timeout=60)


def test_input_required_is_answered_by_the_on_elicitation_hook(connect: Callable[..., Workbench], transport: str) -> None:
    asked: list[Any] = []
    wb = connect(transport, on_elicitation=lambda request: (asked.append(request), {"interpretation": "historical"})[1])
    statuses: list[str] = []
    wb.on("task_status", lambda e: statuses.append(e["status"]))
    t = wb.call("ev.simulate-research-query", topic="tides", ambiguous=True, task=True)
    result = t.result(timeout=120)
    assert result.text.startswith("# Research Report: tides (historical)")
    assert len(asked) == 1 and 'The research query "tides" could have multiple interpretations' in asked[0].message
    assert "input_required" in statuses and t.status == "completed"


def test_a_tool_that_only_runs_as_a_task_is_called_plainly(connect: Callable[..., Workbench]) -> None:
    wb = connect("stdio")
    result = wb.call("ev.simulate-research-query", topic="plain")  # without us: "requires task augmentation"
    assert not result.is_error and result.text.startswith("# Research Report: plain")
    assert wb.tasks().iloc[0]["tool"] == "simulate-research-query"
    with pytest.raises(CapabilityError, match="ev.echo cannot run as a task \\(its taskSupport is 'forbidden'\\)"):
        wb.call("ev.echo", message="x", task=True)


def test_reattach_by_id_in_the_same_workbench(connect: Callable[..., Workbench]) -> None:
    wb = connect("stdio")
    t = wb.call("ev.simulate-research-query", topic="again", task=True)
    assert wb.task("ev", t.id) is t
    assert wb.task("ev", t.id).result(timeout=120).text.startswith("# Research Report: again")


# ---------------------------------------------------------------------- completions, links
def test_completions_with_context_and_of_a_template(connect: Callable[..., Workbench], transport: str) -> None:
    wb = connect(transport)
    assert wb.complete("ev.completable-prompt", "department", "En") == ["Engineering"]
    assert wb.complete("ev.completable-prompt", "name", "", context={"department": "Sales"}) == ["David", "Eve", "Frank"]
    assert wb.complete("ev.completable-prompt", "name", "") == []  # no department chosen yet
    assert wb.complete("ev", "resourceId", "4", template="demo://resource/dynamic/text/{resourceId}") == ["4"]


def test_resource_links_are_read(connect: Callable[..., Workbench]) -> None:
    wb = connect("stdio")
    result = wb.call("ev.get-resource-links", count=2)
    assert [link.uri for link in result.links] == ["demo://resource/dynamic/blob/1", "demo://resource/dynamic/text/2"]
    assert result.links[1].read().text.startswith("Resource 2: This is a plaintext resource")
    assert list(result.blocks["type"]).count("resource_link") == 2


# ---------------------------------------------------------------------- subscriptions, logs
def test_subscription_updates_and_none_after_unsubscribe(connect: Callable[..., Workbench], transport: str) -> None:
    wb = connect(transport)
    got: list[str] = []
    kept = wb.subscribe("ev", f"{DOCS}/architecture.md", on_update=got.append)
    dropped = wb.subscribe("ev", f"{DOCS}/features.md")
    wb.call("ev.toggle-subscriber-updates")  # an update to every subscribed URI now, then every 5 s
    assert wait_until(lambda: kept.updates >= 1 and dropped.updates >= 1, timeout=30), (kept, dropped)
    assert wait_until(lambda: got and got[0] == f"{DOCS}/architecture.md", timeout=10)
    dropped.unsubscribe()
    count, seen = dropped.updates, kept.updates
    assert wait_until(lambda: kept.updates >= seen + 2, timeout=30), kept  # two more rounds went to the others
    assert dropped.updates == count and list(wb.subscriptions()["uri"]) == [f"{DOCS}/architecture.md"]
    wb.call("ev.toggle-subscriber-updates")


def test_a_log_level_filters_what_the_server_sends(connect: Callable[..., Workbench]) -> None:
    wb = connect("stdio")
    wb.subscribe("ev", f"{DOCS}/architecture.md")  # the server logs it at info
    assert wait_until(lambda: "info" in set(wb.logs("ev")["level"]), timeout=10)
    wb.set_log_level("ev", "error")
    since = time.time()
    wb.unsubscribe("ev", f"{DOCS}/architecture.md")  # logged at info too: filtered out now
    wb.call("ev.toggle-simulated-logging")  # a message at a random level now, then every 5 s
    assert wait_until(lambda: len(_after(wb, since)) >= 1, timeout=90)  # each message passes with p=1/2
    assert all(at_least(level, "error") for level in _after(wb, since)), _after(wb, since)  # no info, no debug
    wb.call("ev.toggle-simulated-logging")


def _after(wb: Workbench, since: float) -> list[str]:
    logs = wb.logs("ev")
    return [row.level for row in logs.itertuples() if row.time.timestamp() >= since]
