"""Chat fixtures: a real workbench, the scripted OpenAI server, the demo
server over stdio, and a check that every test leaves no child process behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from mcp_workbench import Workbench
from tests.openai_stub import OpenAIStub
from tests.servers import DEMO_ARGS, descendants, wait_until

FAST = {"retry_backoff": 0.01, "display": "none"}  # chat options every test wants


@pytest.fixture(autouse=True)
def _no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's key or endpoint."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server
    assert server.unexpected == [], server.unexpected


@contextmanager
def _workbenches(store: Path) -> Iterator[Callable[..., Workbench]]:
    """Yields a maker of workbenches (``store=`` defaults to ``store``); afterwards closes
    every one (servers and store) and checks that no child process is left."""
    before = descendants()
    made: list[Workbench] = []

    def make(**options: Any) -> Workbench:
        made.append(Workbench(idle_timeout=None, **{"store": store, **options}))
        return made[-1]

    yield make
    for wb in made:
        wb.close()
        wb.catalog_sync and wb.catalog_sync.close()
    assert wait_until(lambda: not (descendants() - before), timeout=10), "child processes left behind"


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Callable[..., Workbench]]:
    """Makes workbenches on one SQLite file per test: a second one is the same store after a
    kernel restart."""
    with _workbenches(tmp_path / "chat.sqlite") as make:
        yield make


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workbench]:
    """One workbench per test module with the demo server connected over stdio as ``demo``
    (starting and closing a server per test would double the run time). Tests that need a
    fresh store use ``bench``."""
    with _workbenches(tmp_path_factory.mktemp("chat") / "chat.sqlite") as make:
        wb = make()
        wb.connect("demo", command="python", args=DEMO_ARGS)
        yield wb


def calls_since(wb: Any, mark: int) -> list[str]:
    """Tools the workbench called since ``mark = len(wb.log.snapshot())``."""
    return [r.tool for r in wb.log.snapshot()[mark:]]


@pytest.fixture
def chat_options(stub: OpenAIStub) -> dict[str, Any]:
    return {"base_url": stub.url, "api_key": "sk-test", **FAST}


def tool_messages(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in request["messages"] if m["role"] == "tool"]


def assert_pairs_intact(messages: list[dict[str, Any]]) -> None:
    """Every tool message answers a call of the assistant message just before its run."""
    open_ids: set[str] = set()
    for m in messages:
        if m["role"] == "tool":
            assert m["tool_call_id"] in open_ids, f"orphan tool result {m['tool_call_id']}"
            open_ids.discard(m["tool_call_id"])
        else:
            assert not open_ids, f"unanswered tool calls {open_ids}"
            open_ids = {c["id"] for c in m.get("tool_calls") or ()}
    assert not open_ids
