"""Resource subscriptions in both eras, and the 2026 ``subscriptions/listen`` stream.

Handshake-era servers take ``resources/subscribe`` / ``resources/unsubscribe`` and send
``notifications/resources/updated``. 2026-07-28 servers have no subscribe request: a client
opens one ``subscriptions/listen`` stream whose filter names what it wants (list changes and
resource URIs), so changing the URIs means opening a new stream (``Listener.reopen``). Either
way an update reaches the connection's message handler, which emits ``resource_updated``;
``Subscriptions`` counts them per (server, URI) and calls the user's ``on_update``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mcp_types as types
from mcp import Client
from mcp.shared.exceptions import MCPDeprecationWarning

from ..errors import CapabilityError, WorkbenchError
from .taskwire import is_modern  # the era check the task wire already makes
from .capabilities import require
from .events import EventEmitter
from .paging import changed_kinds

if TYPE_CHECKING:
    from .connection import Connection

logger = logging.getLogger("mcp_workbench.subscriptions")
_ACK_TIMEOUT_S = 30.0


def check_subscribe(server: str, caps: types.ServerCapabilities | None) -> None:
    require(server, caps, "subscribe", unknown_ok=False)


async def subscribe_request(client: Client, uri: str, on: bool) -> None:
    """Handshake era: ``resources/subscribe`` (or ``unsubscribe``), deprecated in 2026 only."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        if on:
            await client.session.subscribe_resource(uri)
        else:
            await client.session.unsubscribe_resource(uri)


async def subscribe(conn: Connection, uri: str, on: bool = True, *, timeout: float | None = None) -> None:
    """Subscribe ``conn`` to updates of ``uri`` (``on=False``: unsubscribe), in its era's way.
    The URI is kept on the connection, so a reconnect subscribes again."""
    check_subscribe(conn.name, conn.capabilities)
    uris = conn.listener.uris
    if on == (uri in uris):
        return
    uris.add(uri) if on else uris.discard(uri)
    try:
        if conn.modern:
            honored = await conn.request(conn.listener.open, timeout=timeout, what="subscriptions/listen")
            if on and uri not in honored:
                raise CapabilityError(f"server {conn.name!r} did not accept a subscription to {uri!r}")
        else:
            verb = "subscribe" if on else "unsubscribe"
            await conn.request(lambda c: subscribe_request(c, uri, on), timeout=timeout, what=f"resources/{verb} {uri!r}")
    except BaseException:
        uris.discard(uri) if on else uris.add(uri)
        raise


class Listener:
    """One connection's ``subscriptions/listen`` stream (2026-07-28): list changes it reports
    refresh the listings; resource updates reach the message handler on their own (the SDK
    tees every event there), so the stream only has to be open with the right filter."""

    def __init__(self, name: str, on_list_changed: Callable[[frozenset[str]], None]) -> None:
        self.name = name
        self.uris: set[str] = set()
        self._on_list_changed = on_list_changed
        self._task: asyncio.Task[None] | None = None
        self._lock: asyncio.Lock | None = None

    async def open(self, client: Client) -> set[str]:
        """(Re)open the stream with the current filter; returns the URIs the server honoured.
        One at a time: two streams open at once would deliver every update twice."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            return await self._open(client)

    async def _open(self, client: Client) -> set[str]:
        await self.close()
        caps = client.server_capabilities
        wants = {
            "tools_list_changed": bool(caps.tools and caps.tools.list_changed),
            "prompts_list_changed": bool(caps.prompts and caps.prompts.list_changed),
            "resources_list_changed": bool(caps.resources and caps.resources.list_changed),
        }
        if not is_modern(client) or not (any(wants.values()) or self.uris):
            return set()  # handshake-era servers send their notifications to the message handler
        acked: asyncio.Future[set[str]] = asyncio.get_running_loop().create_future()
        self._task = asyncio.get_running_loop().create_task(self._listen(client, wants, sorted(self.uris), acked),
                                                            name=f"mcp-listen-{self.name}")  # fmt: skip
        try:
            async with asyncio.timeout(_ACK_TIMEOUT_S):
                return await asyncio.shield(acked)
        except TimeoutError:
            raise WorkbenchError(f"server {self.name!r} did not acknowledge subscriptions/listen") from None

    async def _listen(self, client: Client, wants: dict[str, bool], uris: list[str], acked: asyncio.Future[set[str]]) -> None:
        try:
            async with client.listen(**wants, resource_subscriptions=uris) as subscription:
                if not acked.done():
                    acked.set_result(set(subscription.honored.resource_subscriptions or ()))
                async for event in subscription:
                    if type(event).__name__.endswith("ListChanged"):
                        self._on_list_changed(changed_kinds(type(event).__name__))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # no stream: the connection works, only change events are lost
            logger.debug("%s: subscriptions/listen ended: %s", self.name, exc)
            if not acked.done():
                acked.set_exception(WorkbenchError(f"server {self.name!r} refused subscriptions/listen: {exc}"))
        finally:
            if not acked.done():
                acked.set_result(set())

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


@dataclass
class Subscription:
    """A live subscription to one resource: ``updates`` (count), ``last_update`` (epoch s)."""

    server: str
    uri: str
    on_update: Callable[[str], Any] | None = None
    updates: int = 0
    last_update: float | None = None
    active: bool = True
    _cancel: Callable[[], None] | None = field(default=None, repr=False)

    def unsubscribe(self) -> None:
        """Stop receiving updates (the server is told); a second call does nothing."""
        if self.active and self._cancel is not None:
            self._cancel()

    def __repr__(self) -> str:
        state = "active" if self.active else "ended"
        last = time.strftime("%H:%M:%S", time.localtime(self.last_update)) if self.last_update else "never"
        return f"<Subscription {self.server} {self.uri} ({state}): {self.updates} update(s), last {last}>"


class Subscriptions:
    """The workbench's subscriptions by (server, uri); counts ``resource_updated`` events."""

    def __init__(self, events: EventEmitter, call: Callable[..., Awaitable[Any]]) -> None:
        """``call(fn, uri)`` runs a user callback (``requests.call_hook``: a worker thread for plain
        functions, so one may block or call the workbench)."""
        self.by_key: dict[tuple[str, str], Subscription] = {}
        self._call = call
        self._running: set[asyncio.Task[None]] = set()
        events.on("resource_updated", self._on_update)

    def add(self, server: str, uri: str, on_update: Callable[[str], Any] | None, cancel: Callable[[], None]) -> Subscription:
        sub = self.by_key.get((server, uri))
        if sub is None or not sub.active:
            sub = self.by_key[(server, uri)] = Subscription(server, uri, on_update, _cancel=cancel)
        elif on_update is not None:
            sub.on_update = on_update
        return sub

    def end(self, server: str, uri: str) -> Subscription | None:
        sub = self.by_key.get((server, uri))
        if sub is not None:
            sub.active = False
        return sub

    def active(self, server: str | None = None, live: Callable[[str, str], bool] | None = None) -> list[Subscription]:
        """The active subscriptions; ``live(server, uri)`` says whether a connection still holds
        one (a server disconnected since ends its subscriptions)."""
        for sub in self.by_key.values():
            if sub.active and live is not None and not live(sub.server, sub.uri):
                sub.active = False
        return [s for s in self.by_key.values() if s.active and (server is None or s.server == server)]

    def _on_update(self, event: dict[str, Any]) -> None:
        sub = self.by_key.get((event["server"], event["uri"]))
        if sub is None or not sub.active:
            return
        sub.updates += 1
        sub.last_update = time.time()
        if sub.on_update is not None:  # user code: in a worker thread, so it may block or call the workbench
            task = asyncio.get_running_loop().create_task(self._callback(sub.on_update, event["uri"]))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _callback(self, callback: Callable[[str], Any], uri: str) -> None:
        try:
            await self._call(callback, uri)
        except Exception:
            logger.exception("on_update callback for %s failed", uri)
