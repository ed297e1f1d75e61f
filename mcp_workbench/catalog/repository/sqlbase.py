"""``SQLRepository``: every ``ToolRepository`` operation, written once for any SQL backend.

The operations live in mixins (catalog, activity, chat, tasks, registry) over ``SQLCore``; a backend
(``SQLiteRepository``, ``PostgresRepository``) only opens connections and names its dialect.
"""

from __future__ import annotations

from ._activity import ActivityOps
from ._catalog import CatalogOps
from ._chat import ChatOps
from ._registry import RegistryOps
from ._tasks import TaskOps


class SQLRepository(CatalogOps, ActivityOps, ChatOps, TaskOps, RegistryOps):
    """The shared implementation; instantiate a backend subclass instead."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"
