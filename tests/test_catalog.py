"""The workbench's persistent catalog (issue 3) end to end: real servers, a real SQLite file,
and a real PostgreSQL server when ``MCP_WORKBENCH_TEST_PG`` is set (CI sets it)."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from mcp_workbench import ConnectionFailedError, Workbench
from tests.servers import DEMO_ARGS, ROOT, wait_until

SECRET = "sk-planted-catalog-424242"
ALT_ARGS = [str(ROOT / "tests" / "alt_server.py")]


def _bench(store: object) -> Workbench:
    return Workbench(idle_timeout=None, store=store)  # type: ignore[arg-type]


def test_history_and_usage_survive_a_kernel_restart(tmp_path: Path) -> None:
    store = tmp_path / "catalog.sqlite"
    first = _bench(store)
    first.connect("demo", command="python", args=DEMO_ARGS)
    for i in range(3):
        first.call("demo.add", a=i, b=1)
    first.call("demo.fail")
    first.close()
    first.catalog_sync.close()  # type: ignore[union-attr]

    second = _bench(store)  # a new kernel: nothing in memory
    try:
        history = second.history()
        assert list(history["tool"]) == ["add", "add", "add", "fail"]
        assert list(history["status"]) == ["ok", "ok", "ok", "error"]
        assert history.iloc[0]["arguments"] == {"a": 0, "b": 1}
        seen = second.catalog(server="demo").set_index("name")
        assert seen.loc["add", "calls"] == 3 and seen.loc["add", "p50_ms"] > 0
        assert seen.loc["add", "status"] == "active"
        second.connect("demo", command="python", args=DEMO_ARGS)
        tools = second.tools().set_index("name")
        assert tools.loc["add", "calls"] == 3 and tools.loc["add", "p50_ms"] > 0 and tools.loc["add", "last_used"]
        assert second.catalog_changes("demo").empty  # same listing as last time
    finally:
        second.close()
        second.catalog_sync.close()  # type: ignore[union-attr]


def test_sync_marks_added_removed_and_schema_changes(wb: Workbench) -> None:
    wb.connect("x", command="python", args=DEMO_ARGS)
    first = wb.catalog_changes("x")
    assert set(first["change"]) == {"added"}
    assert {"add", "echo", "review"} <= set(first["name"])
    assert set(first["kind"]) == {"tool", "prompt", "resource", "resource_template"}

    wb.call("x.add_tool", name="late_tool")  # list_changed → resync
    assert wait_until(lambda: "late_tool" in set(wb.catalog_changes("x")["name"]), timeout=5)

    wb.connect("x", command="python", args=ALT_ARGS)  # same name, another server
    changes = wb.catalog_changes("x")
    by_change = {c: set(changes[changes["change"] == c]["name"]) for c in set(changes["change"])}
    assert "only_alt" in by_change["added"]
    assert {"echo", "late_tool", "review"} <= by_change["removed"]
    assert by_change["schema_changed"] == {"add"}
    catalog = wb.catalog(server="x", kind=None).set_index("name")
    assert catalog.loc["echo", "status"] == "removed"  # kept, not deleted
    assert catalog.loc["add", "schema_version"] == 2
    item = wb.catalog_sync.repo.get(catalog.loc["add", "id"])  # type: ignore[union-attr]
    assert set(item.schema["properties"]) == {"a", "b", "sep"}
    old = wb.catalog_sync.repo.schema_history(item.id)  # type: ignore[union-attr]
    assert old and old[0].schema["properties"]["a"]["type"] == "integer"
    assert set(wb.catalog_changes(since=0)["change"]) == {"added", "removed", "schema_changed"}


def test_server_status_follows_the_connection(wb: Workbench) -> None:
    repo = wb.catalog_sync.repo  # type: ignore[union-attr]

    def status() -> tuple[str, str | None]:
        wb.catalog_sync.flush()  # type: ignore[union-attr]
        record = repo.get_server("demo")
        return (record.status, record.last_error) if record else ("missing", None)

    wb.connect("demo", command="python", args=DEMO_ARGS)
    assert status()[0] == "connected"
    with pytest.raises(ConnectionFailedError):
        wb.call("demo.crash")
    state, error = status()
    assert state == "error" and "demo" in (error or "")
    wb.call("demo.add", a=1, b=1)
    assert status() == ("connected", None)
    wb.disconnect("demo")
    assert status()[0] == "disconnected"
    # Seen before, not connected now: still browsable.
    assert "add" in set(wb.catalog(server="demo")["name"])
    assert wb.servers().empty


def test_catalog_search_and_stats(wb: Workbench) -> None:
    wb.connect("demo", command="python", args=DEMO_ARGS)
    assert list(wb.catalog("integers")["name"]) == ["add"]
    stats = wb.stats()["catalog"]
    assert stats["servers"]["by_status"] == {"connected": 1}
    assert stats["items"]["by_status"]["active"] >= 11
    assert "uncategorized" in stats["items"]["by_category"]


def test_memory_only_workbench_has_history_but_no_store() -> None:
    bench = Workbench(idle_timeout=None, store=False)
    try:
        bench.connect("demo", command="python", args=DEMO_ARGS)
        bench.call("demo.add", a=1, b=2)
        assert list(bench.history()["tool"]) == ["add"]
        assert bench.tools().set_index("name").loc["add", "calls"] == 1
        with pytest.raises(Exception, match="no store"):
            bench.catalog()
    finally:
        bench.close()


def test_planted_secret_never_reaches_the_sqlite_file(tmp_path: Path) -> None:
    store = tmp_path / "catalog.sqlite"
    bench = _bench(store)
    bench.connect("demo", command="python", args=DEMO_ARGS, env={"API_TOKEN": SECRET})
    bench.call("demo.echo", text=f"the token is {SECRET}")
    bench.call("demo.env", name="API_TOKEN")
    with pytest.raises(Exception):
        bench.call("demo.add", a=SECRET, b=1)
    bench.close()
    bench.catalog_sync.close()  # type: ignore[union-attr]
    for path in tmp_path.iterdir():
        assert SECRET.encode() not in path.read_bytes(), path.name


PG = os.environ.get("MCP_WORKBENCH_TEST_PG")


@pytest.mark.skipif(not PG, reason="MCP_WORKBENCH_TEST_PG is unset (run .ci/install.sh, which starts PostgreSQL)")
def test_postgresql_store_end_to_end() -> None:
    from mcp_workbench.catalog.repository.postgres import PostgresRepository
    from tests.repository.conftest import _drop_schema, pg_tool

    schema = f"wb_{uuid.uuid4().hex[:10]}"
    bench = _bench(PostgresRepository(PG or "", schema=schema))
    try:
        bench.connect("demo", command="python", args=DEMO_ARGS, env={"API_TOKEN": SECRET})
        bench.call("demo.add", a=1, b=2)
        bench.call("demo.echo", text=f"token {SECRET}")
        assert list(bench.history()["tool"]) == ["add", "echo"]
        assert set(bench.catalog_changes("demo")["change"]) == {"added"}
        assert bench.tools().set_index("name").loc["add", "calls"] == 1
        bench.close()
        dump = subprocess.run([pg_tool("pg_dump"), "--schema", schema, PG or ""], capture_output=True, check=True)
        assert b"echo" in dump.stdout and SECRET.encode() not in dump.stdout
    finally:
        bench.close()
        bench.catalog_sync.close()  # type: ignore[union-attr]
        _drop_schema(PG or "", schema)
