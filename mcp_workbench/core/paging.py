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
A page that came as last time hands back the items held from last time, and the copies the SDK just
parsed are let go at once: they die young instead of piling up in the old generation until a full
garbage collection (~150 ms in a notebook's heap) stalls a refresh every few runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import mcp_types as types

from .tap import Tap

MAX_PAGES = 1000  # a paginator that never ends must not hang a connect


@dataclass(frozen=True)
class Listing:
    """One listing: where it lives on the connection, how the SDK fetches it, what advertises it."""

    kind: str  # the Connection attribute
    attr: str  # the page's attribute holding the items
    wire_key: str  # the page result's key holding them, as it comes over the wire
    method: str  # the JSON-RPC method
    fetch: str  # the Client method
    capability: str  # the server capability that advertises it
    by_name: bool  # held as a dict by name (tools, prompts) or as a list


LISTINGS = (
    Listing("tools", "tools", "tools", "tools/list", "list_tools", "tools", True),
    Listing("prompts", "prompts", "prompts", "prompts/list", "list_prompts", "prompts", True),
    Listing("resources", "resources", "resources", "resources/list", "list_resources", "resources", False),
    Listing("templates", "resource_templates", "resourceTemplates", "resources/templates/list", "list_resource_templates", "resources", False),
)
LISTING_KINDS = frozenset(listing.kind for listing in LISTINGS)
# What a list-changed notice names: by the start of its type's name.
_CHANGED = {"Tool": frozenset({"tools"}), "Prompt": frozenset({"prompts"}), "Resource": frozenset({"resources", "templates"})}
Fetch = Callable[..., Awaitable[Any]]  # ``client.list_tools`` and its kind: fetch(cursor=...) -> a page
_WIRE_KEYS = {listing.attr: listing.wire_key for listing in LISTINGS}  # by the SDK's attribute name


class Held:
    """A listing as it was last read: each page's result as it came over the wire, and the parsed
    items of all pages in order (reused for the pages that come again unchanged)."""

    __slots__ = ("pages", "items", "_bounds")

    def __init__(self, pages: list[dict[str, Any]], items: list[Any], attr: str) -> None:
        key = _WIRE_KEYS[attr]
        self.pages, self.items = pages, items
        ends = list(accumulate(len(page.get(key) or ()) for page in pages))
        # Items that do not line up with the pages (a server listing one name twice): reuse nothing.
        self._bounds = list(zip([0, *ends[:-1]], ends, strict=True)) if ends and ends[-1] == len(items) else []

    def reuse(self, index: int, came: Any) -> list[Any] | None:
        """The held items of page ``index`` when that page came exactly as last time, else None."""
        if index < len(self._bounds) and came is not None and came == self.pages[index]:
            start, end = self._bounds[index]
            return self.items[start:end]
        return None


class _Prefetch:
    """Watches one listing's requests and responses on the tap; starts the next page's request."""

    def __init__(self, fetch: Fetch, method: str) -> None:
        self._fetch, self._method = fetch, method
        self._asked: set[str | None] = {None}  # cursors this listing requested (None: the first page)
        self._ids: dict[Any, str | None] = {}  # JSON-RPC id of each of those requests -> its cursor
        self.pages: dict[str, asyncio.Task[Any] | None] = {}  # cursor -> the task fetching that page (None: read)
        self.wire: dict[str | None, dict[str, Any]] = {}  # cursor -> that page's result as it arrived

    def page(self, cursor: str) -> asyncio.Task[Any]:
        """The task fetching the page at ``cursor`` (started now unless the watcher already did)."""
        task = self.pages.get(cursor)
        if task is None:  # (a page already read is never asked for again: ``all_pages`` moves on)
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

    async def take(self, cursor: str) -> Any:
        """The page at ``cursor``; the task lets it go once read (so may its parsed items)."""
        try:
            return await self.page(cursor)
        finally:
            self.pages[cursor] = None  # the key stays: the watcher must not ask for it again

    def abandon(self) -> None:
        """Cancel pages nobody will read (an error or a cancellation ended the listing)."""
        for task in self.pages.values():
            if task is None:
                continue
            if not task.done():
                task.cancel()
            task.add_done_callback(_retrieve)


def _retrieve(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()  # read, so an abandoned page's error is not reported as never retrieved


async def all_pages(
    fetch: Fetch, attr: str, *, tap: Tap | None = None, method: str | None = None, wire: list[Any] | None = None,
    held: Held | None = None,
) -> list[Any]:
    """The items of every page (``getattr(page, attr)``), in order; with a ``tap`` and the
    listing's JSON-RPC ``method`` each next page is requested as soon as its cursor arrives,
    ``wire`` receives each page's result as it came over the wire (see ``unchanged``), and a page
    that came exactly as in ``held`` gives back ``held``'s items (the same objects)."""
    prefetch = _Prefetch(fetch, method) if tap is not None and method is not None else None
    if tap is not None and prefetch is not None:
        tap.add(prefetch.watch)
    items: list[Any] = []
    seen: set[str] = set()
    chain: list[str | None] = [None]
    try:
        page = await fetch(cursor=None)
        for index in range(MAX_PAGES):
            cursor = chain[index]
            came = prefetch.wire.get(cursor) if prefetch is not None else None
            again = held.reuse(index, came) if held is not None else None
            if again is None:
                items.extend(getattr(page, attr))
            else:
                items.extend(again)
                prefetch.wire[cursor] = held.pages[index]  # type: ignore[union-attr]  # keep the old copy
            cursor = page.next_cursor
            page = None  # let the parsed page go before the next one is awaited
            if not cursor or cursor in seen:  # done, or a server that hands out the same cursor again
                break
            seen.add(cursor)
            chain.append(cursor)
            page = await (prefetch.take(cursor) if prefetch is not None else fetch(cursor=cursor))
        if wire is not None and prefetch is not None and all(c in prefetch.wire for c in chain):
            wire.extend(prefetch.wire[c] for c in chain)
        return items
    finally:
        if tap is not None and prefetch is not None:
            tap.remove(prefetch.watch)
            prefetch.abandon()


def changed_kinds(notice: str) -> frozenset[str]:
    """The listings a list-changed notice names, from its type's name (``ToolListChangedNotification``
    of the handshake era, ``ToolsListChanged`` on the 2026 listen stream); every one if unknown."""
    for prefix, kinds in _CHANGED.items():
        if notice.startswith(prefix):
            return kinds
    return LISTING_KINDS


def unchanged(before: list[Any] | None, after: list[Any]) -> bool:
    """Whether a listing came over the wire exactly as last time (``wire`` of two ``all_pages``):
    then its parsed items are equal too, and need no item-by-item comparison."""
    return bool(after) and after == before
