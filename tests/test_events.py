"""The project's one event emitter, as the service and the catalog repository each use it."""

from __future__ import annotations

from typing import Any

import pytest

from mcp_workbench.core.events import EventEmitter
from mcp_workbench.errors import UnknownEventError
from mcp_workbench.errors import WorkbenchError


def test_each_handler_gets_its_own_payload_named_by_event() -> None:
    emitter = EventEmitter(("changed", "deleted"))
    seen: list[dict[str, Any]] = []

    def meddle(payload: dict[str, Any]) -> None:
        payload["id"] = "changed by a handler"

    emitter.on("changed", meddle)
    off = emitter.on("changed", seen.append)
    emitter.on("changed", lambda payload: 1 / 0)  # a failing handler breaks nothing
    payload = {"id": "x"}
    emitter.emit("changed", payload)
    assert seen == [{"event": "changed", "id": "x"}] and payload == {"id": "x"}
    off()
    emitter.emit("changed", payload)
    assert len(seen) == 1 and not emitter.has_handlers("deleted")


def test_payloads_as_emitted_when_the_event_key_is_none() -> None:
    """The catalog repository's events carry their own ``entity``, not the event's name."""
    emitter = EventEmitter(("changed",), event_key=None)
    seen: list[dict[str, Any]] = []
    emitter.on("changed", seen.append)
    emitter.emit("changed", {"entity": "item", "id": "x"})
    assert seen == [{"entity": "item", "id": "x"}]


def test_an_unknown_event_is_a_workbench_error_and_a_value_error() -> None:
    emitter = EventEmitter(("changed",))
    with pytest.raises(UnknownEventError, match="unknown event 'chnaged'; known events: changed") as caught:
        emitter.on("chnaged", print)
    assert isinstance(caught.value, WorkbenchError) and isinstance(caught.value, ValueError)
