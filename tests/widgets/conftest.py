"""Fixtures for the dashboard tests: a real IPython shell, workbenches with the demo server over
stdio, and a dashboard; helpers are in ``tests.widgets.util``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from mcp_workbench import Workbench
from mcp_workbench.widgets.dashboard import Dashboard
from tests.servers import DEMO_ARGS, descendants, wait_until


@pytest.fixture(autouse=True, scope="module")
def shell() -> InteractiveShell:
    return InteractiveShell.instance()


def _make_bench(store: Path) -> Workbench:
    return Workbench(idle_timeout=None, store=store)


def _close(bench: Any, before: set[int]) -> None:
    if bench.dashboards.current is not None:
        bench.dashboards.current.close()
    bench.close()
    if bench.catalog_sync is not None:
        bench.catalog_sync.close()
    assert wait_until(lambda: not (descendants() - before), timeout=10), "child processes left behind"


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Any]:
    """A fresh workbench (no server) with the dashboard part."""
    before = descendants()
    made = _make_bench(tmp_path / "catalog.sqlite")
    yield made
    _close(made, before)


@pytest.fixture(scope="module")
def demo_bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One workbench per module with the demo connected (a server per test would double the time)."""
    before = descendants()
    made = _make_bench(tmp_path_factory.mktemp("widgets") / "catalog.sqlite")
    made.connect("demo", command="python", args=DEMO_ARGS)
    yield made
    _close(made, before)


@pytest.fixture
def board(demo_bench: Any) -> Dashboard:
    return demo_bench.dashboard()
