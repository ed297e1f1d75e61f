"""The listings as DataFrames: live servers and their tools, prompts and resources, joined with
the catalog's lifetime figures (calls, p50, last used), and what the catalog keeps (history,
everything ever seen, what changed).

The service knows the live servers; the catalog knows their past. This part reads both and
builds the frames, so neither of them builds a DataFrame (or touches the disk) on the call path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from ..catalog.sync import Catalog
from ..core.features import Features
from ..core.registry import ServerView
from ..core.service import ServerService
from ..errors import WorkbenchError
from . import frames
from .readable import readable

PING_COLUMNS = ["server", "status", "latency_ms", "error"]


class Listings:
    """``servers()``, ``tools()``, ``prompts()``, ... for the ``Workbench``."""

    def __init__(self, service: ServerService, catalog: Callable[[], Catalog | None], features: Features) -> None:
        self._service = service
        self._catalog = catalog  # the catalog open now (the store can be switched), or None
        self._features = features
        # Each server's tool rows, built once per listing: (the tools they came from, the rows).
        self._tool_rows: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}

    # ------------------------------------------------------------------ live servers
    def servers(self, names: list[str] | None = None, *, all_columns: bool = False) -> pd.DataFrame:
        views = self._service.views()
        if names is not None:
            wanted = set(names)
            views = [v for v in views if v.name in wanted]
        return _shown(frames.servers_frame(views), "servers", all_columns)

    def _views(self, server: str | None) -> list[Any]:
        return [self._service.server(server)] if server else self._service.views()

    def tools(
        self, server: str | None = None, *, search: str | None = None, read_only: bool | None = None,
        destructive: bool | None = None, all_columns: bool = False,
    ) -> pd.DataFrame:  # fmt: skip
        views = self._views(server)
        frame = frames.tools_frame(views, self._usage([v.name for v in views]), search, rows_of=self._rows_of)
        for column, wanted in (("read_only", read_only), ("destructive", destructive)):
            if wanted is not None:
                frame = frame[frame[column] == wanted].reset_index(drop=True)
        return _shown(frame, "tools", all_columns)

    def _rows_of(self, view: ServerView) -> list[dict[str, Any]]:
        """The cached rows while the server lists the same tools (a refresh that changed nothing
        keeps the very same tool objects, so this comparison is one identity check per tool)."""
        cached = self._tool_rows.get(view.name)
        if cached is not None and cached[0] == view.tools:
            return cached[1]
        rows = frames.tool_rows(view)
        self._tool_rows[view.name] = (dict(view.tools), rows)
        return rows

    def prompts(self, server: str | None = None, *, all_columns: bool = False) -> pd.DataFrame:
        return _shown(frames.prompts_frame(self._views(server)), "prompts", all_columns)

    def resources(self, server: str | None = None, *, all_columns: bool = False) -> pd.DataFrame:
        return _shown(frames.resources_frame(self._views(server)), "resources", all_columns)

    def resource_templates(self, server: str | None = None, *, all_columns: bool = False) -> pd.DataFrame:
        return _shown(frames.templates_frame(self._views(server)), "templates", all_columns)

    def traffic(
        self, server: str | None = None, *, method: str | None = None, kind: str | None = None,
        errors: bool = False, last: int | None = None, all_columns: bool = False,
    ) -> pd.DataFrame:  # fmt: skip
        frame = self._service.traffic(server, method=method, kind=kind, errors=errors, last=last)
        return _shown(frame, "traffic", all_columns)

    def ping(self, rows: list[dict[str, Any]]) -> pd.DataFrame:
        return pd.DataFrame(rows, columns=PING_COLUMNS)

    def _usage(self, servers: list[str]) -> dict[tuple[str, str], frames.UsageFigures]:
        """Usage per tool: lifetime figures from the catalog, else this kernel's."""
        catalog = self._catalog()
        if catalog is None:
            return {k: frames.UsageFigures.from_memory(u) for k, u in list(self._service.log.usage.items())}
        catalog.flush()
        return {
            (item.server, item.name): frames.UsageFigures.from_catalog(item)
            for server in servers
            for item in self._items(catalog, server=server, kind="tool")
        }

    # ------------------------------------------------------------------ the catalog
    def _require(self) -> Catalog:
        catalog = self._catalog()
        if catalog is None:
            raise WorkbenchError("this workbench has no store (store=False); open one with wb.set_store(None)")
        return catalog

    @staticmethod
    def _items(catalog: Catalog, query: str | None = None, **filters: Any) -> list[Any]:
        items: list[Any] = []
        cursor = None
        while True:
            page = catalog.repo.search(query, cursor=cursor, limit=1000, **filters)
            items.extend(page.items)
            if not page.has_more:
                return items
            cursor = page.next_cursor

    def catalog(
        self, search: str | None = None, *, server: str | None = None, kind: str | None = "tool",
        status: str | None = None, category: str | None = None, all_columns: bool = False,
    ) -> pd.DataFrame:  # fmt: skip
        catalog = self._require()
        catalog.flush()
        items = self._items(catalog, search, server=server, kind=kind, status=status, category=category)
        return _shown(frames.catalog_frame(items), "catalog", all_columns)

    def catalog_changes(self, server: str | None = None, *, since: Any = None) -> pd.DataFrame:
        catalog = self._require()
        catalog.flush()
        if since is not None or server is None:
            return frames.changes_frame(catalog.repo.changes(server, since))
        if server not in catalog.last_changes and server not in self._service.names():
            self._service.server(server)  # raises with suggestions
        return frames.changes_frame(catalog.last_changes.get(server, []))

    def history(self, *, server: str | None = None, last: int | None = None, all_columns: bool = False) -> pd.DataFrame:
        catalog = self._catalog()
        if catalog is not None:
            catalog.flush()
            stored = catalog.repo.history(limit=last or 1_000_000, server=server)
            return _shown(frames.stored_history_frame(reversed(stored)), "history", all_columns)
        records = self._service.log.snapshot()
        if server:
            records = [r for r in records if r.server == server]
        if last:
            records = records[-last:]
        return _shown(frames.history_frame(records), "history", all_columns)

    # ------------------------------------------------------------------ subscriptions and logs
    def subscriptions(self, server: str | None = None) -> pd.DataFrame:
        return frames.subscriptions_frame(self._features.active_subscriptions(server))

    def logs(self, server: str | None = None, level: str | None = None, last: int | None = None) -> pd.DataFrame:
        return frames.logs_frame(self._features.log_entries(server, level, last))
    def registry(self, entries: list[Any]) -> pd.DataFrame:
        """MCP Registry entries as a frame (one row per server)."""
        return frames.registry_frame(entries)

    def stats(self) -> dict[str, Any]:
        stats = self._service.stats()
        catalog = self._catalog()
        if catalog is not None:
            catalog.flush()
            stats["catalog"] = catalog.repo.stats()
        return stats


def _shown(frame: pd.DataFrame, kind: str, all_columns: bool) -> pd.DataFrame:
    """The frame as a readable ``Listing`` (every column stays in it), or plain with ``all_columns``."""
    return frame if all_columns else readable(frame, kind)
