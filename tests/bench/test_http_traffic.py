"""HTTP on the wire: kind "http" rows in wb.traffic() for HTTP transports (one per exchange)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mcp_workbench import ConnectionFailedError, Workbench
from tests.bench.conftest import demo_options
from tests.servers import demo_server

SECRET = "sk-planted-wire-4242424242"


def test_http_exchanges_are_rows_with_masked_headers(bench: Callable[..., Workbench]) -> None:
    wb = bench()
    wb.trace()
    with demo_server("--http") as port:
        url = f"http://127.0.0.1:{port}/mcp"
        wb.connect("web", url=url, headers={"Authorization": f"Bearer {SECRET}"})
        wb.call("web.add", a=1, b=2)
        http = wb.traffic("web", kind="http")
        assert len(http) >= 2 and set(http["method"]) == {"POST"} and set(http["url"]) == {url}
        assert set(http["status"]) == {200} and http["latency_ms"].notna().all() and (http["size_bytes"] > 0).all()
        call = http[http["preview"].str.endswith("(tools/call)")].iloc[-1]
        assert call["preview"].startswith(f"POST {url} -> 200 ")
        sent, got = call["payload"]["request_headers"], call["payload"]["response_headers"]
        assert sent["authorization"] == "***" and sent["mcp-method"] == "tools/call" and "content-type" in got
        assert call["payload"]["request_bytes"] > 0
        assert SECRET not in wb.traffic().to_string() and SECRET not in repr(list(wb.traffic()["payload"]))

        wb.connect("stdio", **demo_options())  # a stdio server has no HTTP layer
        wb.call("stdio.add", a=1, b=1)
        assert wb.traffic("stdio", kind="http").empty and not wb.traffic("stdio").empty

        with pytest.raises(ConnectionFailedError, match="lost"):
            wb.connect("lost", url=f"http://127.0.0.1:{port}/nowhere")
        errors = wb.traffic("lost", errors=True)
        failed = errors[errors["kind"] == "http"]
        assert not failed.empty and (failed["status"] == 404).all() and failed["preview"].str.contains("-> 404").all()

    wb.trace(stop=True)
    before = len(wb.traffic(kind="http"))
    with demo_server("--http") as port:
        wb.connect("quiet", url=f"http://127.0.0.1:{port}/mcp")
        wb.call("quiet.add", a=1, b=2)
    assert len(wb.traffic(kind="http")) == before  # not traced: nothing recorded
