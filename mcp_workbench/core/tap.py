"""A tap on a connection's JSON-RPC streams: every message in or out, seen by observers.

The transport's read and write streams are wrapped once, at connect time; the wrappers cost
one list check per message while nobody observes. The traffic monitor (and record/replay)
attach observers to a ``Tap`` that outlives reconnects, so tracing follows a server by name.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio

logger = logging.getLogger("mcp_workbench.tap")

# (direction "out" | "in", the SessionMessage or transport Exception)
Observer = Callable[[str, Any], None]


class Tap:
    """The observers of one server's traffic, plus its stderr lines."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.observers: list[Observer] = []
        self.stderr_observers: list[Callable[[str], None]] = []
        self.http_observers: list[Callable[[Any], None]] = []  # bench: HTTP exchanges (httpwire.HttpExchange)

    def add(self, observer: Observer) -> None:
        self.observers = [*self.observers, observer]

    def remove(self, observer: Observer) -> None:
        self.observers = [o for o in self.observers if o != observer]  # bound methods: equal, not identical

    def emit(self, direction: str, item: Any) -> None:
        for observer in self.observers:
            try:
                observer(direction, item)
            except Exception:  # an observer must never break the connection
                logger.exception("traffic observer failed")

    def watching_http(self) -> bool:  # bench
        return bool(self.http_observers)

    def http(self, exchange: Any) -> None:  # bench
        for observer in self.http_observers:
            try:
                observer(exchange)
            except Exception:
                logger.exception("http observer failed")

    def stderr_line(self, line: str) -> None:
        for observer in self.stderr_observers:
            try:
                observer(line)
            except Exception:
                logger.exception("stderr observer failed")


class _Tapped:
    """A stream wrapper: closing and the context manager pass through to the real stream."""

    def __init__(self, inner: Any, tap: Tap) -> None:
        self._inner = inner
        self._tap = tap

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> Any:
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> Any:
        return await self._inner.__aexit__(*exc)


class _TappedRead(_Tapped):
    """Wraps the transport's read stream; the dispatcher iterates it. ``on_eof`` hears the end of
    the stream (a URL server that closed its connection), before pending requests are failed."""

    def __init__(self, inner: Any, tap: Tap, on_eof: Callable[[], None] | None = None) -> None:
        super().__init__(inner, tap)
        self._on_eof = on_eof

    @property
    def last_context(self) -> Any:  # the SDK reads the sender's context off the stream
        return getattr(self._inner, "last_context", None)

    async def receive(self) -> Any:
        try:
            item = await self._inner.receive()
        except anyio.EndOfStream:
            if self._on_eof is not None:
                self._on_eof()
            raise
        if self._tap.observers:
            self._tap.emit("in", item)
        return item

    def __aiter__(self) -> _TappedRead:
        return self

    async def __anext__(self) -> Any:  # as anyio's streams iterate: receive until the end of the stream
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None


class _TappedWrite(_Tapped):
    def send(self, item: Any) -> Awaitable[None]:
        # Not a coroutine itself: the inner send's awaitable is handed on (one frame less per message).
        if self._tap.observers:
            self._tap.emit("out", item)
        return self._inner.send(item)


@asynccontextmanager
async def tapped(
    transport: Any, tap: Tap, on_eof: Callable[[], None] | None = None
) -> AsyncIterator[tuple[_TappedRead, _TappedWrite]]:
    """The transport, with both of its streams passing every message by ``tap``."""
    async with transport as (read_stream, write_stream):
        yield _TappedRead(read_stream, tap, on_eof), _TappedWrite(write_stream, tap)
