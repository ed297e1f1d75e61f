"""Fault-suite fixtures: one workbench per module with a healthy demo server connected over
HTTP (it must keep working after every fault), and the bad server on loopback HTTP."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from mcp_workbench import Workbench
from tests.faults.harness import BAD_ARGS, bad_http_server


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory, demo_http_url: str) -> Iterator[Workbench]:
    """A workbench with its SQLite catalog and ``healthy`` (the demo over HTTP) connected."""
    wb = Workbench(idle_timeout=None, store=tmp_path_factory.mktemp("faults") / "catalog.sqlite")
    wb.connect("healthy", url=demo_http_url)
    # Warm up once, so lazily created pools and imports are in every test's baseline.
    wb.connect("warmup", command="python", args=BAD_ARGS)
    wb.call("warmup.echo", text="warm")
    wb.disconnect("warmup")
    yield wb
    wb.close()
    if wb.catalog_sync is not None:
        wb.catalog_sync.close()


@pytest.fixture(scope="module")
def bad_http_url() -> Iterator[str]:
    """The bad server over Streamable HTTP, shared by a module (faults that kill it use their own)."""
    with bad_http_server() as url:
        yield url


@pytest.fixture(autouse=True)
def collect_garbage_first() -> None:
    """Collect the garbage of earlier tests before each test. On CPython 3.11.7, a finalizer that
    runs while pytest parses a test file to show a failure (every strict xfail here fails on
    purpose) can make ``ast.parse`` raise ``SystemError: AST constructor recursion depth
    mismatch``, which pytest reports as an INTERNALERROR that ends the whole run."""
    gc.collect()
