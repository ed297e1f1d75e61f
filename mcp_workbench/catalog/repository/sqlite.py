"""The embedded default store: one SQLite file, safe for several threads and processes.

WAL mode lets the notebook read while the workbench's background thread writes; writes take
the file's write lock up front (``BEGIN IMMEDIATE``) and wait up to ``timeout`` for another
process; the file is created 0600 in a 0700 directory because it describes the user's servers.
A file that is not ours (corrupt, not SQLite, or SQLite with other tables) is never written.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ...core.home import HOME_ENV, home_dir  # noqa: F401 (HOME_ENV re-exported)
from ...errors import WorkbenchError
from ._core import Tx
from .schema import SQLITE
from .sqlbase import SQLRepository

APPLICATION_ID = 0x4D435057  # "MCPW" in the SQLite header: marks the file as ours
DEFAULT_FILE = "catalog.sqlite"
def default_path() -> Path:
    """``$MCP_WORKBENCH_HOME/catalog.sqlite``, else ``~/.mcp-workbench/catalog.sqlite``."""
    return home_dir() / DEFAULT_FILE


def path_from_url(url: str) -> Path:
    """``sqlite:///abs/path/file.sqlite`` -> ``/abs/path/file.sqlite``."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "sqlite" or parts.netloc or not parts.path.strip("/"):
        raise WorkbenchError(f"bad SQLite URL {url!r}: write sqlite:///abs/path/catalog.sqlite")
    return Path("/" + unquote(parts.path).lstrip("/"))


def _create_private(path: Path) -> None:
    """Create the directory (0700) and an empty file (0600) before SQLite touches them, so
    the catalog is never readable by others, not even for a moment."""
    parent = path.parent
    if not parent.exists():
        parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        os.chmod(parent, 0o700)
    if path.is_dir():
        raise WorkbenchError(f"{path} is a directory: give the store a file path")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.fchmod(fd, 0o600)
    os.close(fd)


class SQLiteRepository(SQLRepository):
    """``ToolRepository`` on one SQLite file (see the module doc for the guarantees)."""

    dialect = SQLITE
    driver_errors = (sqlite3.Error,)

    def __init__(self, path: str | os.PathLike[str] | None = None, *, timeout: float = 30.0) -> None:
        self.path = Path(path).expanduser().absolute() if path is not None else default_path()
        super().__init__(str(self.path))
        self._timeout = timeout
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        _create_private(self.path)
        try:
            with _opening(self.path):
                self._connection()  # inspects the file before anything writes to it
            self._migrate()
        except BaseException:
            self.close()
            raise

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # a forked child opens its own
            self._conn = self._open()
            self._pid = os.getpid()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None,
                               check_same_thread=False)
        try:
            # Inspect before any PRAGMA that writes (journal_mode=WAL rewrites the header).
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if app_id not in (0, APPLICATION_ID):
                raise self._foreign(f"SQLite application_id {app_id:#x}")
            self._schema_version(Tx(conn.cursor(), self.dialect))
            conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # with WAL: a crash loses no commit
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            conn.close()
            raise
        return conn

    def _begin_write(self) -> str:
        return "BEGIN IMMEDIATE"

    def _tables(self, tx: Tx) -> set[str]:
        rows = tx.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                          "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").fetchall()
        return {r[0] for r in rows}

    def _after_migrate(self, tx: Tx) -> None:
        tx.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed into the file)."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None


@contextmanager
def _opening(path: Path) -> Iterator[None]:
    """SQLite's errors while opening, as one clear line naming the file."""
    try:
        yield
    except sqlite3.Error as exc:
        text = str(exc)
        if "locked" in text or "busy" in text:
            raise WorkbenchError(f"{path} is locked by another process ({text}): "
                                 "retry, or raise the timeout") from exc
        if "unable to open" in text:
            raise WorkbenchError(f"cannot open {path} ({text}): check the path and its "
                                 "permissions") from exc
        raise WorkbenchError(f"{path} is not a usable mcp-workbench catalog ({text}); "
                             "it was left untouched: move it away or choose another store") from exc
