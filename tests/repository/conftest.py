"""One fixture, two backends: every test taking ``repo`` or ``store`` runs on a fresh SQLite
file and on a fresh PostgreSQL schema (the DSN comes from ``MCP_WORKBENCH_TEST_PG``;
``bash .ci/postgres.sh`` starts a throwaway cluster and prints one)."""

from __future__ import annotations

import glob
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mcp_workbench.catalog.repository import SQLiteRepository, SQLRepository

PG_ENV = "MCP_WORKBENCH_TEST_PG"
PG_DSN = os.environ.get(PG_ENV)
PG_SKIP = f"{PG_ENV} is unset: run `export {PG_ENV}=$(bash .ci/postgres.sh)` to test PostgreSQL"


@dataclass
class Store:
    """How to open one test store, again and from another process."""

    backend: str
    path: Path | None = None  # sqlite
    dsn: str | None = None  # postgres
    schema: str | None = None  # postgres
    opened: list[SQLRepository] = field(default_factory=list)

    def open(self) -> SQLRepository:
        if self.backend == "sqlite":
            repo: SQLRepository = SQLiteRepository(self.path)
        else:
            from mcp_workbench.catalog.repository.postgres import PostgresRepository

            repo = PostgresRepository(self.dsn or "", schema=self.schema)
        self.opened.append(repo)
        return repo

    def worker_args(self) -> list[str]:
        """Arguments that let ``_worker.py`` open the same store."""
        if self.backend == "sqlite":
            return ["sqlite", str(self.path)]
        return ["postgres", self.dsn or "", self.schema or ""]


def pg_tool(name: str) -> str:
    """A PostgreSQL client program from the newest installed server version."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else (shutil.which(name) or name)


def _drop_schema(dsn: str, schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = Store("sqlite", path=tmp_path / "catalog.sqlite")
    else:
        if not PG_DSN:
            pytest.skip(PG_SKIP)
        s = Store("postgres", dsn=PG_DSN, schema=f"t_{uuid.uuid4().hex[:12]}")
    yield s
    for repo in s.opened:
        repo.close()
    if s.backend == "postgres" and s.schema:
        _drop_schema(s.dsn or "", s.schema)


@pytest.fixture
def repo(store: Store) -> SQLRepository:
    """A fresh, empty repository on the parametrised backend."""
    return store.open()
