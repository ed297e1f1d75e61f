"""Catalog items on both backends: CRUD, keyset pages, search, conflicts, events, sync."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mcp_workbench.errors import ConflictError, ToolNotFoundError, WorkbenchError
from mcp_workbench.catalog.repository import CatalogItem, ToolRepository, item_id


def tool(server: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"server": server, "name": name, **extra}


def all_pages(fetch: Any, limit: int) -> list[str]:
    ids, cursor = [], None
    while True:
        page = fetch(cursor=cursor, limit=limit)
        ids += [i.id for i in page.items]
        assert page.has_more == (page.next_cursor is not None)
        if not page.has_more:
            return ids
        cursor = page.next_cursor


def test_protocol_and_crud(repo: Any) -> None:
    assert isinstance(repo, ToolRepository)
    assert repo.get("demo:tool:add") is None
    created = repo.upsert(tool("demo", "add", title="Add", description="Add two numbers",
                               schema={"type": "object", "properties": {"a": {"type": "number"}}},
                               annotations={"readOnlyHint": True}, category="math"))
    assert created.id == item_id("demo", "tool", "add") == "demo:tool:add"
    assert (created.version, created.schema_version, created.status) == (1, 1, "active")
    assert created.read_only and not created.destructive
    assert created.created_at is not None and created.created_at.tzinfo is not None
    got = repo.get(created.id)
    assert got == created
    assert got.schema["properties"]["a"] == {"type": "number"}
    assert got.annotations == {"readOnlyHint": True} and got.output_schema is None

    again = repo.upsert(CatalogItem(server="demo", name="add", title="Addition",
                                    description="Add two numbers", category="math",
                                    schema=got.schema, annotations=got.annotations))
    assert again.version == 2 and again.title == "Addition" and again.created_at == created.created_at
    assert repo.upsert(again).version == 2  # nothing changed: no new version

    updated = repo.update(created.id, {"meta": {"tags": ["x"]}, "destructive": True})
    assert updated.meta == {"tags": ["x"]} and updated.destructive and updated.version == 3
    with pytest.raises(ToolNotFoundError):
        repo.update("demo:tool:nope", {"title": "x"})
    with pytest.raises(WorkbenchError, match="patch only"):
        repo.update(created.id, {"version": 9})
    with pytest.raises(WorkbenchError, match="unknown item status"):
        repo.update(created.id, {"status": "gone"})
    assert repo.delete(created.id) is True
    assert repo.get(created.id) is None and repo.delete(created.id) is False


def test_kinds_share_one_table(repo: Any) -> None:
    repo.sync_listing("demo", "prompt", [{"name": "greet", "arguments": [{"name": "who"}]}])
    repo.sync_listing("demo", "resource", [{"uri": "file:///a.txt", "name": "a", "mimeType": "text/plain"}])
    repo.sync_listing("demo", "resource_template", [{"uriTemplate": "file:///{p}", "name": "files"}])
    kinds = {i.kind: i for i in repo.list(limit=10).items}
    assert set(kinds) == {"prompt", "resource", "resource_template"}
    assert kinds["prompt"].schema == {"arguments": [{"name": "who"}]}
    assert kinds["resource"].uri == "file:///a.txt" and kinds["resource"].id == "demo:resource:file:///a.txt"
    assert repo.search(kind="resource_template").items[0].uri == "file:///{p}"
    with pytest.raises(WorkbenchError, match="unknown kind"):
        repo.sync_listing("demo", "widget", [])


def test_keyset_pages_are_exact_and_stable_under_inserts(repo: Any) -> None:
    for i in range(100):
        repo.upsert(tool("s", f"t{i:03d}"))
    first = repo.list(limit=50)
    assert len(first) == 50 and first.has_more and first.next_cursor
    second = repo.list(cursor=first.next_cursor, limit=50)
    assert len(second) == 50 and not second.has_more and second.next_cursor is None
    assert [i.id for i in first] + [i.id for i in second] == sorted(f"s:tool:t{i:03d}" for i in range(100))

    # Rows inserted between pages: none seen twice, none skipped, later ones show up.
    page = repo.list(limit=30)
    seen = [i.id for i in page]
    repo.upsert(tool("s", "t000a"))  # sorts before the cursor: not in this walk
    repo.upsert(tool("s", "t099z"))  # sorts after it: must appear
    repo.upsert(tool("a", "first"))  # before everything
    while page.has_more:
        page = repo.list(cursor=page.next_cursor, limit=30)
        seen += [i.id for i in page]
    assert len(seen) == len(set(seen)) == 101
    assert "s:tool:t099z" in seen and "s:tool:t000a" not in seen and "a:tool:first" not in seen
    assert all_pages(repo.list, 7) == sorted(seen + ["s:tool:t000a", "a:tool:first"])
    with pytest.raises(WorkbenchError, match="invalid cursor"):
        repo.list(cursor="not-a-cursor")
    with pytest.raises(WorkbenchError, match="limit"):
        repo.list(limit=0)


def test_search_keywords_and_filters(repo: Any) -> None:
    repo.upsert(tool("fs", "read_file", title="Read File", description="Read a text file",
                     annotations={"readOnlyHint": True}, category="files"))
    repo.upsert(tool("fs", "write_file", description="Write TEXT to a file",
                     annotations={"destructiveHint": True}, category="files"))
    repo.upsert(tool("git", "git_log", description="Show the commit log", annotations={"readOnlyHint": True}))
    repo.upsert(tool("math", "pct", description="100% of 50_50"))
    repo.update("git:tool:git_log", {"status": "removed"})

    def names(**kw: Any) -> list[str]:
        return [i.name for i in repo.search(**kw).items]

    assert names(query="FILE") == ["read_file", "write_file"]
    assert names(query="text file") == ["read_file", "write_file"]  # every word must match
    assert names(query="text  read") == ["read_file"]
    assert names(query="write log") == []
    assert names(query="%") == ["pct"] and names(query="50_50") == ["pct"]  # LIKE chars are literal
    assert names(query="_") == ["read_file", "write_file", "git_log", "pct"]  # id order
    assert names(read_only=True) == ["read_file", "git_log"]
    assert names(destructive=True) == ["write_file"]
    assert names(server="fs", read_only=False) == ["write_file"]
    assert names(category="files", query="read") == ["read_file"]
    assert names(status="removed") == ["git_log"]
    assert names(status="active", kind="tool", server="git") == []
    assert all_pages(lambda **kw: repo.search("file", **kw), 1) == ["fs:tool:read_file", "fs:tool:write_file"]


def test_update_conflict(repo: Any) -> None:
    item = repo.upsert(tool("demo", "add"))
    first = repo.update(item.id, {"description": "one"}, expected_version=item.version)
    assert first.version == item.version + 1
    with pytest.raises(ConflictError, match="another writer"):
        repo.update(item.id, {"description": "two"}, expected_version=item.version)
    assert repo.get(item.id).description == "one"
    assert repo.update(item.id, {"description": "two"}, expected_version=first.version).version == 3


def test_events_after_commit(repo: Any) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    offs = [repo.on(e, lambda p, e=e: seen.append((e, p))) for e in ("changed", "deleted", "status_changed")]
    repo.on("changed", lambda p: 1 / 0)  # a failing handler breaks nothing
    item = repo.upsert(tool("demo", "add"))
    repo.update(item.id, {"status": "removed"})
    repo.upsert_server("demo", transport="stdio")
    repo.set_server_status("demo", "error", "boom")
    repo.delete(item.id)
    assert [e for e, _ in seen] == ["changed", "changed", "status_changed", "changed",
                                    "status_changed", "deleted"]
    assert seen[0][1] == {"entity": "item", "id": item.id, "server": "demo", "kind": "tool",
                          "name": "add", "action": "created", "version": 1}
    assert seen[1][1]["fields"] == ["status"] and seen[1][1]["version"] == 2
    assert seen[2][1]["old"] == "active" and seen[2][1]["new"] == "removed"
    assert seen[4][1] == {"entity": "server", "server": "demo", "old": "disconnected",
                          "new": "error", "last_error": "boom"}
    assert seen[5][1]["id"] == item.id
    with pytest.raises(WorkbenchError, match="unknown event"):
        repo.on("exploded", print)
    for off in offs:
        off()
    repo.upsert(tool("demo", "mul"))
    assert len(seen) == 6
    with pytest.raises(ConflictError):  # a failed write emits nothing
        repo.update("demo:tool:mul", {"title": "x"}, expected_version=99)


def test_sync_listing(repo: Any) -> None:
    v1 = {"type": "object", "properties": {"a": {"type": "number"}}}
    v2 = {"type": "object", "properties": {"a": {"type": "integer"}}}
    changes = repo.sync_listing("demo", "tool", [
        {"name": "add", "inputSchema": v1, "annotations": {"readOnlyHint": True}},
        {"name": "echo", "description": "Echo"},
    ])
    assert sorted((c["name"], c["change"]) for c in changes) == [("add", "added"), ("echo", "added")]
    start = changes[0]["at"]
    assert repo.sync_listing("demo", "tool", [{"name": "add", "inputSchema": v1,
                                               "annotations": {"readOnlyHint": True}},
                                              {"name": "echo", "description": "Echo"}]) == []
    repo.update("demo:tool:echo", {"category": "text", "meta": {"note": "mine"}})

    changes = repo.sync_listing("demo", "tool", [{"name": "add", "inputSchema": v2}])
    assert sorted((c["name"], c["change"], c["schema_version"]) for c in changes) == [
        ("add", "schema_changed", 2), ("echo", "removed", 1)]
    add, echo = repo.get("demo:tool:add"), repo.get("demo:tool:echo")
    assert add.schema == v2 and add.schema_version == 2 and not add.read_only
    assert echo.status == "removed" and echo.category == "text"  # marked, not deleted
    [old] = repo.schema_history("demo:tool:add")
    assert (old.schema_version, old.schema) == (1, v1)

    changes = repo.sync_listing("demo", "tool", [{"name": "add", "inputSchema": v2},
                                                 {"name": "echo", "description": "Echo"}])
    assert [(c["name"], c["change"]) for c in changes] == [("echo", "added")]
    echo = repo.get("demo:tool:echo")
    assert echo.status == "active" and echo.meta == {"note": "mine"} and echo.category == "text"

    recorded = repo.changes("demo")
    assert [c["change"] for c in recorded] == ["added", "added", "schema_changed", "removed", "added"]
    assert repo.changes("demo", since=changes[0]["at"]) == changes
    assert repo.changes("demo", since=start - timedelta(seconds=1)) == recorded
    assert repo.changes("other") == [] and repo.changes(kind="prompt") == []


def test_sync_accepts_sdk_models(repo: Any) -> None:
    types = pytest.importorskip("mcp.types")
    listing = [types.Tool(name="add", description="Add", inputSchema={"type": "object"},
                          annotations=types.ToolAnnotations(destructiveHint=True, title="Adder"))]
    [change] = repo.sync_listing("sdk", "tool", listing)
    item = repo.get(change["id"])
    assert item.destructive and item.title == "Adder" and item.schema == {"type": "object"}
