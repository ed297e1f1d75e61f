"""The SQLite file itself: where it lives, its mode, foreign or corrupt files, old schemas."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from mcp_workbench.errors import WorkbenchError
from mcp_workbench.catalog.repository import SQLiteRepository, default_path, open_repository
from mcp_workbench.catalog.repository.schema import LATEST, MIGRATIONS
from mcp_workbench.catalog.repository.sqlite import APPLICATION_ID

from .conftest import PG_DSN, PG_SKIP, Store, _drop_schema


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_file_and_directory_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "catalog.sqlite"
    old = os.umask(0)  # even a permissive umask gives 0600 / 0700
    try:
        repo = SQLiteRepository(path)
        repo.upsert({"server": "s", "name": "t"})
        assert mode(path) == 0o600 and mode(path.parent) == 0o700
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            assert not extra.exists() or mode(extra) == 0o600
        assert repo.schema_version == LATEST
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        conn.close()
        repo.close()
    finally:
        os.umask(old)


def test_default_location_and_store_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCP_WORKBENCH_HOME", str(tmp_path / "home"))
    assert default_path() == tmp_path / "home" / "catalog.sqlite"
    repo = open_repository()
    assert isinstance(repo, SQLiteRepository) and repo.path == default_path() and default_path().exists()
    repo.close()
    monkeypatch.delenv("MCP_WORKBENCH_HOME")
    assert default_path() == Path.home() / ".mcp-workbench" / "catalog.sqlite"

    for form in (f"sqlite://{tmp_path}/a.sqlite", str(tmp_path / "b.sqlite"), tmp_path / "c.sqlite"):
        repo = open_repository(form)
        assert isinstance(repo, SQLiteRepository) and repo.path.parent == tmp_path
        repo.close()
    with pytest.raises(WorkbenchError, match=r"unsupported store 'mysql://u:\*\*\*@h/db': use a file path"):
        open_repository("mysql://u:secret@h/db")
    with pytest.raises(WorkbenchError, match="bad SQLite URL"):
        open_repository("sqlite://host/x.sqlite")
    with pytest.raises(WorkbenchError, match="is a directory"):
        open_repository(str(tmp_path))


def test_postgres_url_and_bad_dsn() -> None:
    with pytest.raises(WorkbenchError, match=r"cannot connect to PostgreSQL at postgresql://u:\*\*\*@127.0.0.1:1/x"):
        open_repository("postgresql://u:hunter2@127.0.0.1:1/x?connect_timeout=2")
    if not PG_DSN:
        pytest.skip(PG_SKIP)
    import psycopg

    from mcp_workbench.catalog.repository.postgres import PostgresRepository

    with pytest.raises(WorkbenchError, match="catalog store postgresql:.*no schema has been selected"):
        open_repository(PG_DSN + "?options=-csearch_path%3Dt_does_not_exist")
    schema = f"t_url_{os.getpid()}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        repo = open_repository(PG_DSN + f"?options=-csearch_path%3D{schema}")
        assert isinstance(repo, PostgresRepository)  # the DSN's own search_path is honoured
        repo.close()
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            assert conn.execute("SELECT to_regclass(%s)", (f"{schema}.catalog_items",)).fetchone()[0]
    finally:
        _drop_schema(PG_DSN, schema)


@pytest.mark.parametrize("content", [b"", b"this is not a database at all\n" * 100,
                                     b"SQLite format 3\x00" + b"\xff" * 4000])
def test_corrupt_file_is_reported_and_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "catalog.sqlite"
    path.write_bytes(content)
    if not content:  # an empty file is simply a new store
        SQLiteRepository(path).close()
        return
    with pytest.raises(WorkbenchError, match=str(path)) as info:
        SQLiteRepository(path)
    assert "left untouched" in str(info.value) and "\n" not in str(info.value)
    assert path.read_bytes() == content


def test_foreign_sqlite_file_is_reported_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "someone-elses.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (9.5)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(WorkbenchError, match=f"{path} is not an mcp-workbench catalog.*invoices"):
        SQLiteRepository(path)
    assert path.read_bytes() == before
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 42")  # another application's marked file
    conn.execute("DROP TABLE invoices")
    conn.commit()
    conn.close()
    with pytest.raises(WorkbenchError, match="application_id 0x2a"):
        SQLiteRepository(path)


# A file as mcp-workbench 0.1 (schema v1) wrote it, spelled out by hand: the migration must
# carry its rows forward without this test ever changing.
V1_SQLITE = [
    "CREATE TABLE schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL, "
    "applied_at REAL NOT NULL)",
    "CREATE TABLE servers (name TEXT PRIMARY KEY, transport TEXT, spec TEXT NOT NULL DEFAULT '{}', "
    "status TEXT NOT NULL DEFAULT 'disconnected', last_error TEXT, server_info TEXT NOT NULL DEFAULT '{}', "
    "category TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL)",
    "CREATE TABLE catalog_items (id TEXT PRIMARY KEY, server TEXT NOT NULL, kind TEXT NOT NULL, "
    "name TEXT NOT NULL, uri TEXT, title TEXT, description TEXT, category TEXT, status TEXT NOT NULL "
    "DEFAULT 'active', input_schema TEXT NOT NULL DEFAULT '{}', output_schema TEXT, annotations TEXT "
    "NOT NULL DEFAULT '{}', read_only INTEGER NOT NULL DEFAULT 0, destructive INTEGER NOT NULL DEFAULT 0, "
    "search_text TEXT NOT NULL DEFAULT '', schema_version INTEGER NOT NULL DEFAULT 1, version INTEGER "
    "NOT NULL DEFAULT 1, created_at REAL NOT NULL, updated_at REAL NOT NULL, usage_count INTEGER NOT "
    "NULL DEFAULT 0, last_used_at REAL, latency_count INTEGER NOT NULL DEFAULT 0, latency_mean REAL, "
    "latency_p50 REAL, latency_p95 REAL, latency_window TEXT NOT NULL DEFAULT '[]')",
    "CREATE INDEX catalog_items_server ON catalog_items (server, kind, status)",
    "CREATE INDEX catalog_items_category ON catalog_items (category)",
    "CREATE TABLE item_versions (item_id TEXT NOT NULL, schema_version INTEGER NOT NULL, input_schema "
    "TEXT NOT NULL, output_schema TEXT, replaced_at REAL NOT NULL, PRIMARY KEY (item_id, schema_version))",
    "CREATE TABLE call_history (id INTEGER PRIMARY KEY AUTOINCREMENT, called_at REAL NOT NULL, server "
    "TEXT NOT NULL, kind TEXT NOT NULL DEFAULT 'tool', tool TEXT NOT NULL, arguments TEXT, status TEXT "
    "NOT NULL, duration_ms REAL, error TEXT, result_preview TEXT)",
    "CREATE INDEX call_history_time ON call_history (called_at)",
    "CREATE INDEX call_history_tool ON call_history (server, tool, called_at)",
]
V1_ROWS = [
    "INSERT INTO schema_version VALUES ('mcp-workbench', 1, 1700000000.0)",
    "INSERT INTO servers (name, transport, status, created_at, updated_at) "
    "VALUES ('old', 'stdio', 'disconnected', 1700000000.0, 1700000000.0)",
    "INSERT INTO catalog_items (id, server, kind, name, description, search_text, usage_count, "
    "created_at, updated_at) VALUES ('old:tool:add', 'old', 'tool', 'add', 'Add numbers', "
    "'add\nadd numbers', 7, 1700000000.0, 1700000000.0)",
    "INSERT INTO call_history (called_at, server, tool, status) VALUES (1700000000.0, 'old', 'add', 'ok')",
]


def _build_v1(store: Store) -> None:
    if store.backend == "sqlite":
        conn: Any = sqlite3.connect(store.path)  # by hand, as an old release left it
        for statement in V1_SQLITE + V1_ROWS:
            conn.execute(statement)
        conn.commit()
    else:
        import psycopg
        from psycopg import sql

        from mcp_workbench.catalog.repository.schema import POSTGRES

        conn = psycopg.connect(store.dsn or "", autocommit=True)
        conn.execute(sql.SQL("CREATE SCHEMA {0}; SET search_path TO {0}").format(
            sql.Identifier(store.schema or "")))
        for statement in MIGRATIONS[0].statements:
            conn.execute(POSTGRES.ddl(statement))
        for statement in V1_ROWS:
            conn.execute(statement)
    conn.close()


def test_older_schema_is_upgraded_in_place(store: Store) -> None:
    assert MIGRATIONS[0].version == 1 and LATEST > 1
    _build_v1(store)
    repo = store.open()
    assert repo.schema_version == LATEST
    item = repo.get("old:tool:add")
    assert item is not None and item.usage_count == 7 and item.meta == {}
    assert [i.name for i in repo.search("numbers").items] == ["add"]
    assert repo.get_server("old").transport == "stdio" and repo.history()[0].tool == "add"
    repo.update(item.id, {"meta": {"migrated": True}}, expected_version=item.version)
    room = repo.create_room("new in v2")
    repo.add_message(repo.create_session(room.id).id, "user", "hello")
    assert repo.sync_listing("old", "tool", [{"name": "add", "description": "Add numbers"}]) == []
    repo.close()
    again = store.open()  # opening an up-to-date store changes nothing
    assert again.get(item.id).meta == {"migrated": True} and again.schema_version == LATEST


def test_newer_schema_is_refused(store: Store) -> None:
    store.open().close()
    repo = store.open()
    with repo._write() as tx:  # as a future release would leave it
        tx.execute("UPDATE schema_version SET version = 99")
    repo.close()
    with pytest.raises(WorkbenchError, match="newer mcp-workbench.*v99"):
        store.open()


def test_a_marker_that_does_not_match_the_tables_is_refused_and_untouched(tmp_path: Path) -> None:
    """A store written by another build (a branch whose migration 3 made other tables): its
    marker says v3, its tables are not v3's. Opening it must name what is missing and change nothing,
    not fail half-way through the next migration."""
    path = tmp_path / "catalog.sqlite"
    SQLiteRepository(path).close()
    with sqlite3.connect(path) as con:
        con.execute("DROP TABLE tasks")  # v3's table
        con.execute("UPDATE schema_version SET version = 3")
    before = path.read_bytes()
    with pytest.raises(WorkbenchError, match=r"says schema v3 but lacks table\(s\) tasks: .*left untouched; move it away"):
        SQLiteRepository(path)
    assert path.read_bytes() == before
