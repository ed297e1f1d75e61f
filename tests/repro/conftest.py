"""Fixtures for record / replay, map and export: real workbenches, closed after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest

from mcp_workbench import Workbench
from mcp_workbench.core.connection import ClientCallbacks
from tests.servers import descendants, wait_until

SECRET = "tok-9f8e7d6c5b4a"  # planted: must never reach a cassette


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Makes workbenches; afterwards stops their recording / replay, closes them, and checks that
    no child process is left behind."""
    before = descendants()
    made: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("idle_timeout", None)
        options.setdefault("store", tmp_path / f"catalog-{len(made)}.sqlite")
        wb = Workbench(**options)
        made.append(wb)
        return wb

    yield make
    for wb in made:
        wb.stop_recording()
        wb.stop_replay()
        wb.close()
        if wb.catalog_sync is not None:
            wb.catalog_sync.close()
    assert wait_until(lambda: not (descendants() - before), timeout=10), "child processes left behind"


class Answers:
    """Headless answers to server-to-client requests, counting how often each was asked."""

    def __init__(self) -> None:
        self.sampled = 0
        self.elicited = 0

    async def sampling(self, context: Any, params: types.CreateMessageRequestParams) -> types.CreateMessageResult:
        self.sampled += 1
        text = getattr(params.messages[-1].content, "text", "")
        return types.CreateMessageResult(
            role="assistant", content=types.TextContent(type="text", text=f"echo: {text}"), model="replay-model"
        )

    async def elicitation(self, context: Any, params: Any) -> types.ElicitResult:
        self.elicited += 1
        return types.ElicitResult(action="accept", content={"name": "Ada", "check": True, "integer": 7})

    async def list_roots(self, context: Any) -> types.ListRootsResult:
        return types.ListRootsResult(roots=[types.Root(uri="file:///tmp/replay-root", name="root")])

    def callbacks(self) -> ClientCallbacks:
        return ClientCallbacks(sampling=self.sampling, elicitation=self.elicitation, list_roots=self.list_roots)
