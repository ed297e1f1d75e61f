"""Fixtures for the server author's bench: a recorded demo session, and workbenches that are
closed after each test with no process left behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mcp_workbench import Workbench
from tests.servers import DEMO_ARGS, SUB_ENV, descendants, wait_until

FLAWED = [str(Path(__file__).with_name("flawed_server.py"))]


def demo_options(*flags: str) -> dict[str, Any]:
    """connect() options for this checkout's demo (``--drift`` is newer than an installed copy).

    ``python`` (the kernel's interpreter), not its path: env values are secrets, masked wherever they
    appear, and a venv inside the checkout has a path that starts with PYTHONPATH's."""
    return {"command": "python", "args": [*DEMO_ARGS, *flags], "env": dict(SUB_ENV)}


def record_session(wb: Workbench, path: Path, **connect: Any) -> Path:
    """A session a server author might record: listings, calls with progress and logs, a prompt, reads."""
    wb.record(path)
    wb.connect("demo", **(connect or demo_options()))
    assert wb.call("demo.add", a=1, b=2).value == 3
    wb.call("demo.slow", seconds=0.1, steps=2, on_progress=lambda *a: None)
    wb.call("demo.table", rows=2)
    wb.call("demo.fail", message="nope")
    wb.get_prompt("demo.review", code="x = 1")
    wb.read("demo", "demo://readme")
    wb.read("demo", "demo://items/7")
    wb.disconnect("demo")
    wb.stop_recording()
    return path


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Callable[..., Workbench]]:
    """Makes workbenches; afterwards closes them and checks that no child process is left."""
    before = descendants()
    made: list[Workbench] = []

    def make(**options: Any) -> Workbench:
        options.setdefault("idle_timeout", None)
        options.setdefault("store", tmp_path / f"catalog-{len(made)}.sqlite")
        made.append(Workbench(**options))
        return made[-1]

    yield make
    for wb in made:
        wb.stop_recording()
        wb.close()
        if wb.catalog_sync is not None:
            wb.catalog_sync.close()
    assert wait_until(lambda: not (descendants() - before), timeout=10), "child processes left behind"


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One recorded demo session (stdio) per test module."""
    wb = Workbench(idle_timeout=None, store=False)
    try:
        yield record_session(wb, tmp_path_factory.mktemp("cassettes") / "session.jsonl")
    finally:
        wb.close()
