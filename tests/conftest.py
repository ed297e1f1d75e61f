"""Shared fixtures: a fresh Workbench per test and the demo server on real loopback sockets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mcp_workbench import Workbench
from tests.servers import DEMO_ARGS, TEST_HOME, demo_server


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def wb(tmp_path: Path) -> Iterator[Workbench]:
    """A Workbench of its own (not the process singleton) on its own SQLite catalog."""
    bench = Workbench(idle_timeout=None, store=tmp_path / "catalog.sqlite")
    yield bench
    bench.close()
    if bench.catalog_sync is not None:
        bench.catalog_sync.close()


@pytest.fixture
def demo(wb: Workbench) -> Workbench:
    """``wb`` with the demo server connected over a real stdio pipe as ``demo``."""
    wb.connect("demo", command="python", args=DEMO_ARGS)
    return wb


@pytest.fixture(scope="module")  # per module: a test module may add tools to it (add_tool)
def demo_http_url() -> Iterator[str]:
    with demo_server("--http") as port:
        yield f"http://127.0.0.1:{port}/mcp"


@pytest.fixture(scope="module")
def demo_sse_url() -> Iterator[str]:
    with demo_server("--sse") as port:
        yield f"http://127.0.0.1:{port}/sse"


@pytest.fixture(scope="module")
def demo_ws_url() -> Iterator[str]:
    with demo_server("--ws") as port:
        yield f"ws://127.0.0.1:{port}/mcp"


@pytest.fixture(autouse=True, scope="session")
def _workbench_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the default catalog of every test run out of the user's home directory."""
    import os

    home = TEST_HOME  # the same home the subprocesses get (tests/servers.py SUB_ENV)
    old = os.environ.get("MCP_WORKBENCH_HOME")
    os.environ["MCP_WORKBENCH_HOME"] = home
    yield
    if old is None:
        os.environ.pop("MCP_WORKBENCH_HOME", None)
    else:
        os.environ["MCP_WORKBENCH_HOME"] = old
