"""The part of a SQL repository that is neither SQLite nor PostgreSQL: transactions,
placeholders, events after commit, and running the migrations.

Backends subclass ``SQLCore`` (through ``SQLRepository``) and supply a connection, the
statement that opens a write transaction, and how to list their tables. All SQL in this
package is written with ``?`` placeholders and converted once per statement for psycopg.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from ...core.events import EventEmitter, Handler
from ...errors import WorkbenchError
from ._codec import now
from .records import EVENTS
from .schema import COMPONENT, LATEST, MIGRATIONS, Dialect, tables_of

log = logging.getLogger(__name__)
OUR_TABLES = tables_of(LATEST)  # every table of ours, read from the migrations


def where_clause(equal: dict[str, Any], since: tuple[str, float] | None = None) -> tuple[str, list[Any]]:
    """`` WHERE col = ? AND ... AND time_col >= ?`` for the filters that are set (None: unset)."""
    conds = [f"{column} = ?" for column, value in equal.items() if value is not None]
    params: list[Any] = [value for value in equal.values() if value is not None]
    if since is not None:
        conds.append(f"{since[0]} >= ?")
        params.append(since[1])
    return (" WHERE " + " AND ".join(conds) if conds else ""), params


def insert_sql(table: str, columns: Iterable[str]) -> str:
    """``INSERT INTO table (a, b) VALUES (?, ?)`` for ``columns``."""
    names = list(columns)
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


@lru_cache(maxsize=1024)
def _convert(sql: str, placeholder: str) -> str:
    return sql if placeholder == "?" else sql.replace("%", "%%").replace("?", placeholder)


class Tx:
    """A cursor inside one transaction (or one read); events wait here until commit."""

    __slots__ = ("_cur", "_ph", "events")

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self._cur = cursor
        self._ph = dialect.placeholder
        self.events: list[tuple[str, dict[str, Any]]] = []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Tx:
        self._cur.execute(_convert(sql, self._ph), tuple(params))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cur.executemany(_convert(sql, self._ph), rows)

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cur.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        self.events.append((event, payload))


class SQLCore:
    """Transactions and migrations over one DB-API connection guarded by a lock.

    One connection and a re-entrant lock make the repository safe to share between the
    workbench's background thread and the notebook's thread; other processes are kept
    consistent by the database's own locking.
    """

    dialect: Dialect
    #: SQLite: any table without our marker means a foreign file. PostgreSQL: a shared
    #: database may hold other applications' tables; only ours without the marker is foreign.
    foreign_if_any_table = True
    driver_errors: tuple[type[Exception], ...] = ()  # the DB-API module's Error

    def __init__(self, location: str) -> None:
        self.location = location  # path or redacted DSN, for messages
        self._lock = threading.RLock()
        # Payloads go out as written (no "event" key): each names its entity instead.
        self._events = EventEmitter(EVENTS, event_key=None)
        self._grown = 0  # catalog rows this process inserted since the last statistics refresh
        self._stat_rows = 0

    # -- backend hooks -------------------------------------------------------------------
    def _connection(self) -> Any:
        raise NotImplementedError

    def _begin_write(self) -> str:
        return "BEGIN"

    def _tables(self, tx: Tx) -> set[str]:
        raise NotImplementedError

    def _lock_key(self, tx: Tx, key: str) -> None:
        """Serialise writers of one key across processes (no-op where BEGIN already does)."""

    def _after_migrate(self, tx: Tx) -> None:
        """Backend extras written with the schema (SQLite's application_id)."""

    def _refresh_stats(self) -> None:
        """Refresh the query planner's statistics (PostgreSQL); no-op where not needed."""

    def close(self) -> None:
        raise NotImplementedError

    def _grew(self, rows: int) -> None:
        """Count inserted catalog rows and refresh statistics at 500, 1000, 2000, ... rows.

        Why: PostgreSQL plans keyset pages and searches from statistics that autovacuum may
        refresh minutes after a 10,000-tool sync; stale ones turned a 1 ms page into 20 ms.
        """
        self._grown += rows
        if self._grown >= max(500, self._stat_rows):
            self._stat_rows += self._grown
            self._grown = 0
            try:
                self._refresh_stats()
            except Exception:  # noqa: BLE001 - only a performance hint
                log.warning("refreshing planner statistics of %s failed", self.location,
                            exc_info=True)

    # -- transactions --------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Tx]:
        """One write transaction; its events are emitted after COMMIT, outside the lock."""
        with self._lock, self._db_errors():
            cur = self._connection().cursor()
            tx = Tx(cur, self.dialect)
            cur.execute(self._begin_write())
            try:
                yield tx
            except BaseException:
                try:
                    cur.execute("ROLLBACK")
                except Exception:  # noqa: BLE001 - the original error matters more
                    pass
                raise
            else:
                cur.execute("COMMIT")
            finally:
                cur.close()
        for event, payload in tx.events:
            self._events.emit(event, payload)

    @contextmanager
    def _read(self) -> Iterator[Tx]:
        with self._lock, self._db_errors():
            cur = self._connection().cursor()
            try:
                yield Tx(cur, self.dialect)
            finally:
                cur.close()

    @contextmanager
    def _db_errors(self) -> Iterator[None]:
        """The driver's errors as one-line ``WorkbenchError``s naming the store."""
        try:
            yield
        except self.driver_errors as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise WorkbenchError(f"catalog store {self.location}: {first}") from exc

    def on(self, event: str, handler: Handler) -> Callable[[], None]:
        """Call ``handler(payload)`` after each committed ``changed``, ``deleted`` or
        ``status_changed``; returns a function that unsubscribes.

        Handlers run after the write committed, outside the repository's lock, so a handler
        may read the repository again; a failing handler is logged and never undoes or blocks
        the write. Events are local to the process that wrote; others see changes by reading.
        """
        return self._events.on(event, handler)

    def __enter__(self) -> SQLCore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema --------------------------------------------------------------------------
    def _foreign(self, why: str) -> WorkbenchError:
        return WorkbenchError(
            f"{self.location} is not an mcp-workbench catalog ({why}); it was left untouched: "
            "choose another store or move it away"
        )

    def _schema_version(self, tx: Tx) -> int:
        """Our schema version in this store; 0 for an empty store; raises if foreign."""
        tables = self._tables(tx)
        if "schema_version" in tables:
            row = tx.execute("SELECT version FROM schema_version WHERE component = ?",
                             (COMPONENT,)).fetchone()
            if row is None:
                raise self._foreign("a schema_version table without an mcp-workbench row")
            return int(row[0])
        clash = tables if self.foreign_if_any_table else tables & OUR_TABLES
        if clash:
            raise self._foreign("tables " + ", ".join(sorted(clash)[:5]) + " but no schema marker")
        return 0

    def _migrate(self) -> None:
        """Bring the store to the latest schema in one transaction (concurrent openers wait)."""
        with self._write() as tx:
            self._lock_key(tx, "schema")
            current = self._schema_version(tx)
            if current > LATEST:
                raise WorkbenchError(
                    f"{self.location} was written by a newer mcp-workbench (schema v{current}, "
                    f"this one knows v{LATEST}): upgrade mcp-workbench to open it"
                )
            missing = tables_of(current) - self._tables(tx)
            if missing:  # a schema marker that does not match the tables: another build's file
                raise WorkbenchError(
                    f"{self.location} says schema v{current} but lacks table(s) {', '.join(sorted(missing))}: it was "
                    "written by another build of mcp-workbench (a development branch?) and was left untouched; "
                    "move it away, or choose another store (workbench(store=...) or $MCP_WORKBENCH_HOME)"
                )
            if current == LATEST:
                return
            for migration in MIGRATIONS[current:]:
                for statement in migration.statements:
                    tx.execute(self.dialect.ddl(statement))
            if current == 0:
                tx.execute("INSERT INTO schema_version (component, version, applied_at) "
                           "VALUES (?, ?, ?)", (COMPONENT, LATEST, now()))
            else:
                tx.execute("UPDATE schema_version SET version = ?, applied_at = ? "
                           "WHERE component = ?", (LATEST, now(), COMPONENT))
            self._after_migrate(tx)

    @property
    def schema_version(self) -> int:
        """The schema version of the open store (``schema.LATEST`` once opened)."""
        with self._read() as tx:
            return self._schema_version(tx)
