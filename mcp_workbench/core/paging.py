"""Every page of a paginated listing, each next page asked for as soon as its cursor is on the wire.

A listing is a chain: page k+1 can only be requested with the cursor page k carries. Requested
page by page, each step waits for the server to build a page and then for the client to check it
(the SDK validates every page twice), although the cursor could be read the moment the response
arrived. The connection's tap sees each response first, on the read path: a watcher there starts
the request for the next page at once, so the server builds page k+1 while the SDK checks page k.
Same requests, same order, same results, only sooner (listing 1,000 tools in 21 pages: the client's
share, ~20 % of the time, now overlaps the server's, when a CPU is free for it).

The watcher also keeps each page's result as it came over the wire: a refresh that receives exactly
what it received last time knows its listing is unchanged without comparing a thousand parsed tools.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import mcp_types as types

from .tap import Tap

MAX_PAGES = 1000  # a paginator that never ends must not hang a connect

Fetch = Callable[..., Awaitable[Any]]  # ``client.list_tools`` and its kind: fetch(cursor=...) -> a page


class _Prefetch:
    """Watches one listing's requests and responses on the tap; starts the next page's request."""

    def __init__(self, fetch: Fetch, method: str) -> None:
        self._fetch, self._method = fetch, method
        self._asked: set[str | None] = {None}  # cursors this listing requested (None: the first page)
        self._ids: dict[Any, str | None] = {}  # JSON-RPC id of each of those requests -> its cursor
        self.pages: dict[str, asyncio.Task[Any]] = {}  # cursor -> the task fetching that page
        self.wire: dict[str | None, dict[str, Any]] = {}  # cursor -> that page's result as it arrived

    def page(self, cursor: str) -> asyncio.Task[Any]:
        """The task fetching the page at ``cursor`` (started now unless the watcher already did)."""
        task = self.pages.get(cursor)
        if task is None:
            self._asked.add(cursor)  # before the request goes out: the watcher must know it is ours
            task = self.pages[cursor] = asyncio.get_running_loop().create_task(self._fetch(cursor=cursor))
        return task

    def watch(self, direction: str, item: Any) -> None:
        """Tap observer (runs in the sending task, or in the transport's reading task)."""
        message = getattr(item, "message", None)
        if direction == "out":
            if isinstance(message, types.JSONRPCRequest) and message.method == self._method:
                cursor = (message.params or {}).get("cursor")
                if cursor in self._asked:
                    self._ids[message.id] = cursor
        elif isinstance(message, types.JSONRPCResponse) and message.id in self._ids:
            self.wire[self._ids.pop(message.id)] = message.result
            cursor = message.result.get("nextCursor")
            if isinstance(cursor, str) and cursor and cursor not in self.pages and len(self.pages) < MAX_PAGES:
                self.page(cursor)

    def abandon(self) -> None:
        """Cancel pages nobody will read (an error or a cancellation ended the listing)."""
        for task in self.pages.values():
            if not task.done():
                task.cancel()
            task.add_done_callback(_retrieve)


def _retrieve(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()  # read, so an abandoned page's error is not reported as never retrieved


async def all_pages(
    fetch: Fetch, attr: str, *, tap: Tap | None = None, method: str | None = None, wire: list[Any] | None = None
) -> list[Any]:
    """The items of every page (``getattr(page, attr)``), in order; with a ``tap`` and the
    listing's JSON-RPC ``method`` each next page is requested as soon as its cursor arrives, and
    ``wire`` receives each page's result as it came over the wire (see ``unchanged``)."""
    prefetch = _Prefetch(fetch, method) if tap is not None and method is not None else None
    if tap is not None and prefetch is not None:
        tap.add(prefetch.watch)
    items: list[Any] = []
    seen: set[str] = set()
    chain: list[str | None] = [None]
    try:
        page = await fetch(cursor=None)
        for _ in range(MAX_PAGES):
            items.extend(getattr(page, attr))
            cursor = page.next_cursor
            if not cursor or cursor in seen:  # done, or a server that hands out the same cursor again
                break
            seen.add(cursor)
            chain.append(cursor)
            page = await (prefetch.page(cursor) if prefetch is not None else fetch(cursor=cursor))
        if wire is not None and prefetch is not None and all(c in prefetch.wire for c in chain):
            wire.extend(prefetch.wire[c] for c in chain)
        return items
    finally:
        if tap is not None and prefetch is not None:
            tap.remove(prefetch.watch)
            prefetch.abandon()


def unchanged(before: list[Any] | None, after: list[Any]) -> bool:
    """Whether a listing came over the wire exactly as last time (``wire`` of two ``all_pages``):
    then its parsed items are equal too, and need no item-by-item comparison."""
    return bool(after) and after == before
