"""Servers, call history, usage / latency, totals and secret masking on both backends."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcp_workbench.errors import ServerNotFoundError, WorkbenchError
from mcp_workbench.catalog.repository import StoredCall
from mcp_workbench.core.secrets import register_secret

from .conftest import Store, pg_tool

PLANTED = "sk-planted-123456"


def test_servers(repo: Any) -> None:
    assert repo.get_server("demo") is None and repo.list_servers() == []
    s = repo.upsert_server("demo", transport="stdio", spec={"command": "python", "args": ["-m", "demo"]},
                           server_info={"name": "Demo", "version": "1.0"}, category="test")
    assert (s.status, s.transport, s.spec["args"], s.server_info["name"]) == (
        "disconnected", "stdio", ["-m", "demo"], "Demo")
    s = repo.set_server_status("demo", "error", "connection refused")
    assert (s.status, s.last_error) == ("error", "connection refused")
    s = repo.set_server_status("demo", "connected")
    assert (s.status, s.last_error) == ("connected", None)
    s = repo.upsert_server("demo", category="other")  # None arguments keep stored values
    assert (s.transport, s.category, s.status, s.spec["command"]) == ("stdio", "other", "connected", "python")
    repo.upsert_server("web", transport="http", status="disconnected")
    assert [x.name for x in repo.list_servers()] == ["demo", "web"]
    assert [x.name for x in repo.list_servers(status="connected")] == ["demo"]
    with pytest.raises(ServerNotFoundError):
        repo.set_server_status("nope", "connected")
    with pytest.raises(WorkbenchError, match="unknown server status"):
        repo.set_server_status("demo", "sleepy")


def test_calls_update_usage_latency_and_history(repo: Any) -> None:
    repo.sync_listing("demo", "tool", [{"name": "add"}, {"name": "slow"}])
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    batch = [StoredCall("demo", "add", duration_ms=float(i), at=t0 + timedelta(seconds=i),
                        arguments={"a": i, "b": 1}) for i in range(1, 301)]
    assert repo.record_calls(batch) == 300
    repo.record_call("demo", "slow", status="timeout", duration_ms=5000.0, error="timed out", at=t0)
    repo.record_calls([{"server": "demo", "tool": "slow", "status": "cancelled", "at": t0.timestamp() + 1}])
    repo.record_call("other", "uncatalogued", arguments={"x": 1})  # history only
    assert repo.record_calls([]) == 0
    with pytest.raises(WorkbenchError, match="unknown call status"):
        repo.record_call("demo", "add", status="weird")

    add = repo.get("demo:tool:add")
    assert add.usage_count == 300 and add.last_used_at == t0 + timedelta(seconds=300)
    assert add.latency.count == 200  # bounded window: the last 200 durations, 101..300
    assert add.latency.mean_ms == pytest.approx(200.5)
    assert add.latency.p50_ms == pytest.approx(200.5) and add.latency.p95_ms == pytest.approx(290.05)
    assert add.version == 1  # counters do not make an editor's version stale
    slow = repo.get("demo:tool:slow")
    assert slow.usage_count == 2 and slow.latency.count == 1 and slow.latency.p95_ms == 5000.0

    recent = repo.history(limit=3)
    assert [c.tool for c in recent][0] == "uncatalogued"
    assert [c.duration_ms for c in repo.history(limit=2, tool="add")] == [300.0, 299.0]
    cancelled, timeout = repo.history(server="demo", tool="slow")
    assert cancelled.status == "cancelled" and cancelled.duration_ms is None
    assert (timeout.status, timeout.error, timeout.duration_ms) == ("timeout", "timed out", 5000.0)
    assert repo.history(limit=1, tool="add")[0].arguments == {"a": 300, "b": 1}
    assert len(repo.history(limit=1000)) == 303
    assert len(repo.history(limit=1000, since=t0 + timedelta(seconds=250))) == 51 + 1  # + "other"


def test_stats(repo: Any) -> None:
    repo.upsert_server("a", status="connected")
    repo.upsert_server("b", status="error")
    repo.upsert_server("c", status="connected")
    repo.upsert({"server": "a", "name": "t1", "category": "math"})
    repo.upsert({"server": "a", "name": "t2", "category": "math", "status": "removed"})
    repo.upsert({"server": "a", "name": "p", "kind": "prompt"})
    repo.record_calls([{"server": "a", "tool": "t1"}, {"server": "a", "tool": "t1", "status": "error"}])
    assert repo.stats() == {
        "servers": {"total": 3, "by_status": {"connected": 2, "error": 1}},
        "items": {"total": 3, "by_status": {"active": 2, "removed": 1},
                  "by_category": {"math": 2, "uncategorized": 1}, "by_kind": {"prompt": 1, "tool": 2}},
        "calls": {"total": 2, "by_status": {"error": 1, "ok": 1}},
    }


def test_secrets_never_reach_the_store(store: Store) -> None:
    repo = store.open()
    register_secret("sk-known-value-987")  # as the workbench does for resolved ${env:VAR}
    spec = {"command": "npx", "args": ["server", "--api-key", PLANTED, f"--token={PLANTED}"],
            "url": f"https://u:{PLANTED}@h/mcp?api_key={PLANTED}&x=1",
            "env": {"API_TOKEN": PLANTED, "HOME_REF": "${env:MY_TOKEN}"},
            "headers": {"Authorization": f"Bearer {PLANTED}"}, "password": PLANTED}
    s = repo.upsert_server("leaky", transport="http", spec=spec)
    assert s.spec["env"] == {"API_TOKEN": "***", "HOME_REF": "${env:MY_TOKEN}"}
    assert s.spec["headers"] == {"Authorization": "***"} and s.spec["password"] == "***"
    assert PLANTED not in str(s.spec) and "x=1" in s.spec["url"]
    repo.record_call("leaky", "login", arguments={"api_key": PLANTED, "user": "me"},
                     status="error", error="bad key sk-known-value-987",
                     result_preview="echo sk-known-value-987")
    [call] = repo.history(limit=1)
    assert call.arguments == {"api_key": "***", "user": "me"}
    assert "sk-known" not in (call.error or "") + (call.result_preview or "")
    room = repo.create_room("r")
    session = repo.create_session(room.id, model="m")
    repo.add_message(session.id, "user", "use sk-known-value-987",
                     tool_calls=[{"name": "login", "arguments": {"token": PLANTED}}])

    if store.backend == "sqlite":
        assert store.path is not None
        wal = store.path.with_name(store.path.name + "-wal")
        during = store.path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        repo.close()
        after = store.path.read_bytes()
        for blob in (during, after):
            assert PLANTED.encode() not in blob and b"sk-known-value-987" not in blob
        assert b"leaky" in after  # the grep does look at real data
    else:
        dump = subprocess.run([pg_tool("pg_dump"), "--dbname", store.dsn or "", "--schema",
                               store.schema or "", "--data-only"],
                              capture_output=True, text=True, check=True).stdout
        assert "leaky" in dump
        assert PLANTED not in dump and "sk-known-value-987" not in dump
