"""Shared fixtures: a fresh Workbench per test and the demo server on real loopback sockets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mcp_workbench import Workbench
from tests.servers import DEMO_ARGS, demo_server


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def wb() -> Iterator[Workbench]:
    """A Workbench of its own (not the process singleton), closed after the test."""
    bench = Workbench(idle_timeout=None)
    yield bench
    bench.close()


@pytest.fixture
def demo(wb: Workbench) -> Workbench:
    """``wb`` with the demo server connected over a real stdio pipe as ``demo``."""
    wb.connect("demo", command="python", args=DEMO_ARGS)
    return wb


@pytest.fixture(scope="session")
def demo_http_url() -> Iterator[str]:
    with demo_server("--http") as port:
        yield f"http://127.0.0.1:{port}/mcp"


@pytest.fixture(scope="session")
def demo_sse_url() -> Iterator[str]:
    with demo_server("--sse") as port:
        yield f"http://127.0.0.1:{port}/sse"
