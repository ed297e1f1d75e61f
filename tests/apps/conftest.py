"""MCP Apps fixtures: one workbench per module with the demo server (and its counter app), and
``ScriptedApp``, which plays an app's side of the protocol against a real ``AppView``: it posts
JSON-RPC exactly as the front end relays it and reads the host's answers from ``view.wire``."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from mcp_workbench import Workbench
from tests.servers import DEMO_ARGS, descendants, wait_until


@pytest.fixture(scope="module")
def bench() -> Iterator[Workbench]:
    """The demo server as ``demo`` (the same process: its counter counts across a module's tests)."""
    before = descendants()
    wb = Workbench(idle_timeout=None, store=False)
    wb.app_host.teardown_timeout = 600  # a closing app is always waited for: no test races a clock
    wb.connect("demo", command="python", args=DEMO_ARGS)
    yield wb
    wb.close()
    assert wait_until(lambda: not (descendants() - before), timeout=10), "child processes left behind"


class ScriptedApp:
    """An app in one rendered view (``view_id``) of ``view``."""

    def __init__(self, view: Any, view_id: str = "v1") -> None:
        self.view = view
        self.id = view_id
        self._ids = itertools.count(1)

    def post(self, message: Any, *, wait: bool = True) -> Any:
        """Relay ``message`` as the front end does; by default wait until the host handled it."""
        future = self.view.receive({"view": self.id, "type": "rpc", "message": message})
        return future.result(timeout=60) if wait else future

    def context(self, **values: Any) -> None:
        self.view.receive({"view": self.id, "type": "context", **values}).result(timeout=30)

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a request; returns the host's answer (a dict with ``result`` or ``error``)."""
        request_id = next(self._ids)
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.post(message)
        return self.answer(request_id)

    def sent(self, who: str) -> list[Any]:
        """This view's part of ``view.wire``: what ``who`` ("app", "host", "front") sent."""
        return [m for w, v, m in list(self.view.wire) if w == who and v == self.id]

    def answer(self, request_id: Any) -> dict[str, Any]:
        answers = [m for m in self.sent("host") if m.get("id") == request_id and "method" not in m]
        assert len(answers) == 1, f"expected one answer to {request_id!r}, got {answers}"
        return answers[0]

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        self.post({"jsonrpc": "2.0", "method": method, "params": params or {}})

    def initialize(self, version: str = "2026-01-26") -> dict[str, Any]:
        """The handshake: ``ui/initialize`` then ``ui/notifications/initialized``."""
        answer = self.request("ui/initialize", {"protocolVersion": version, "appInfo": {"name": "scripted", "version": "1"},
                                                "appCapabilities": {}})  # fmt: skip
        self.notify("ui/notifications/initialized")
        return answer

    def from_host(self, method: str) -> list[dict[str, Any]]:
        """What the host sent this app with ``method`` (notifications and requests)."""
        return [m for m in self.sent("host") if m.get("method") == method]

    def commands(self, kind: str) -> list[dict[str, Any]]:
        """Commands the host gave this view's front end (size, link, unmount)."""
        return [c for c in self.sent("front") if c["type"] == kind]


def close_answering(view: Any) -> None:
    """Close ``view`` the way a live app lets it: answer every ``ui/resource-teardown``."""
    done = view.teardown()
    answered: set[tuple[str, Any]] = set()

    def answer_all() -> bool:
        for who, view_id, message in list(view.wire):
            key = (view_id, message.get("id")) if isinstance(message, dict) else None
            if who == "host" and message.get("method") == "ui/resource-teardown" and key not in answered:
                answered.add(key)
                reply = {"jsonrpc": "2.0", "id": message["id"], "result": {}}
                view.receive({"view": view_id, "type": "rpc", "message": reply})
        return done.done()

    assert wait_until(answer_all, timeout=30), "the teardown did not finish"
    view.close()


@pytest.fixture
def counter(bench: Workbench) -> Iterator[Any]:
    """A fresh counter app view (its page loaded), closed after the test."""
    view = bench.app("demo.counter")
    view.ready.result(timeout=30)
    yield view
    close_answering(view)
