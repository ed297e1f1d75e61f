"""The shared store: one PostgreSQL database for a team's kernels and machines (psycopg 3).

Same tables and SQL as SQLite (see ``schema`` and ``sqlbase``); rows read for update are
locked with ``FOR UPDATE`` and per-server syncs and migrations with advisory locks, so
concurrent kernels never lose a write. psycopg is imported only when a DSN is opened.
"""

from __future__ import annotations

from typing import Any

from ...errors import WorkbenchError
from ._core import Tx
from ._redact import redact_dsn
from .schema import POSTGRES
from .sqlbase import SQLRepository

_LOCK_SPACE = 0x4D435057  # first key of our advisory locks ("MCPW")


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise WorkbenchError("the PostgreSQL store needs psycopg 3: "
                             "pip install 'mcp-workbench[postgres]'") from exc
    return psycopg


def _first_line(exc: BaseException) -> str:
    return redact_dsn((str(exc).strip().splitlines() or [type(exc).__name__])[0])


class PostgresRepository(SQLRepository):
    """``ToolRepository`` on a PostgreSQL database.

    ``schema`` puts the tables in that schema (created if missing) instead of the DSN's
    default search path: handy to share one database between catalogs, and for tests.
    """

    dialect = POSTGRES
    foreign_if_any_table = False

    def __init__(self, dsn: str, *, schema: str | None = None, connect_timeout: int = 10) -> None:
        self.dsn = dsn
        self.schema = schema
        super().__init__(redact_dsn(dsn) + (f" (schema {schema})" if schema else ""))
        self._connect_timeout = connect_timeout
        self._conn: Any = None
        psycopg = _psycopg()
        self.driver_errors = (psycopg.Error,)
        try:
            with self._db_errors():
                self._connection()
            self._migrate()
        except BaseException:
            self.close()
            raise

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = self._open()
        return self._conn

    def _open(self) -> Any:
        psycopg = _psycopg()
        try:
            conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=self._connect_timeout)
        except psycopg.Error as exc:
            raise WorkbenchError(f"cannot connect to PostgreSQL at {self.location}: "
                                 f"{_first_line(exc)}") from None
        if self.schema:
            from psycopg import sql

            name = sql.Identifier(self.schema)
            try:
                conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(name))
            except psycopg.errors.UniqueViolation:  # another process created it just now
                pass
            conn.execute(sql.SQL("SET search_path TO {}").format(name))
        return conn

    def _tables(self, tx: Tx) -> set[str]:
        rows = tx.execute("SELECT table_name FROM information_schema.tables "
                          "WHERE table_schema = current_schema()").fetchall()
        return {r[0] for r in rows}

    def _lock_key(self, tx: Tx, key: str) -> None:
        tx.execute("SELECT pg_advisory_xact_lock(?::int, hashtext(?))", (_LOCK_SPACE, key))

    def _refresh_stats(self) -> None:
        with self._lock:
            self._connection().execute("ANALYZE catalog_items")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and not self._conn.closed:
                self._conn.close()
            self._conn = None
