"""The transport table, the SDK transport for a resolved spec, and a stdio server's stderr.

``TRANSPORTS`` is the one place a transport is declared: its name, the spellings config files
use, whether it takes a command or a URL (and which URL schemes), the ``%mcp connect`` flag
that selects it, and the function that builds it. The spec validation (``config``), the
``connect`` magic, the dashboard's connect form and the history export all read it, so a new
transport is one entry here.

The SDK's ``Client`` accepts any transport context manager; building it here (rather than
passing ``StdioServerParameters`` or a URL) lets us give stdio servers a stderr pipe we read
ourselves (its tail goes into error messages; its end tells us the process exited), and give
HTTP and WebSocket servers headers and timeouts. The SDK's client modules (and ``websockets``)
load on first connect.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import IO, TYPE_CHECKING, Any, Literal

from ..errors import ConfigError
from .httpwire import HttpObserver, http_hooks
from .secrets import mask_text

if TYPE_CHECKING:
    from mcp.client.stdio import StdioServerParameters

    from .config import ServerSpec

HttpTap = tuple[HttpObserver, Callable[[], bool]]  # (observer of HTTP exchanges, is anyone watching)

STDERR_TAIL_LINES = 200


class StderrCapture:
    """A pipe handed to the server as its stderr, read line by line by a daemon thread.

    End of file means every process holding the pipe (the server and its children) is gone,
    which is how a crash is noticed even while no request is in flight.
    """

    def __init__(self, server: str, on_eof: Callable[[], None], on_line: Callable[[str], None] | None = None) -> None:
        self.closed = threading.Event()  # set at end of file: the last words are all in ``tail``
        read_fd, write_fd = os.pipe()
        self.writer: IO[str] = os.fdopen(write_fd, "w", encoding="utf-8")
        self._reader = os.fdopen(read_fd, "r", encoding="utf-8", errors="replace")
        self.tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self._logger = logging.getLogger(f"mcp_workbench.server.{server}.stderr")
        self._on_eof = on_eof
        self._on_line = on_line
        self._thread = threading.Thread(target=self._read, name=f"mcp-stderr-{server}", daemon=True)
        self._thread.start()

    def close_writer(self) -> None:
        """Drop our copy of the write end once the child has it, so EOF can arrive."""
        try:
            self.writer.close()
        except OSError:
            pass

    def _read(self) -> None:
        try:
            for line in self._reader:
                line = line.rstrip("\n")
                self.tail.append(line)
                self._logger.info("%s", mask_text(line))
                if self._on_line is not None:
                    self._on_line(line)
        except (OSError, ValueError):
            pass
        finally:
            try:
                self._reader.close()
            except OSError:
                pass
            self.closed.set()
            self._on_eof()

    def text(self, lines: int = 20) -> str:
        return mask_text("\n".join(list(self.tail)[-lines:]))

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


def stdio_parameters(spec: ServerSpec) -> StdioServerParameters:
    """The SDK's parameters; ``inherit_env`` passes the kernel's whole environment."""
    from mcp.client.stdio import StdioServerParameters

    env: dict[str, str] | None = dict(spec.env) if spec.env else None
    if spec.inherit_env:
        env = {**os.environ, **(env or {})}
    # "replace": a server that prints bytes that are not UTF-8 must not kill the reader (the line is reported).
    return StdioServerParameters(
        command=spec.command or "", args=list(spec.args), env=env, cwd=spec.cwd, encoding_error_handler="replace"
    )


@lru_cache(maxsize=1)
def _ssl_context() -> Any:
    """One TLS context for every HTTP connection: building one costs 25-100 ms of CPU, which
    made connecting ten servers at once CPU-bound on a small machine."""
    import httpx2

    return httpx2.create_ssl_context()


def _http_client(
    headers: dict[str, str] | None = None, timeout: Any = None, auth: Any = None, on_http: HttpTap | None = None
) -> Any:
    """``create_mcp_http_client`` with the shared TLS context (same timeouts, no redirects)."""
    import httpx2

    if timeout is None:
        from mcp.shared._httpx_utils import create_mcp_http_client

        return create_mcp_http_client(headers=headers, auth=auth)  # pragma: no cover - SDK defaults
    if auth is None:
        client = httpx2.AsyncClient
    else:
        from .auth.client import AuthGuardedClient  # lazily: the OAuth stack loads only when used

        client = AuthGuardedClient  # a failed sign-in fails one request
    hooks = http_hooks(*on_http) if on_http is not None else None  # bench: HTTP exchanges for the traffic view
    return client(headers=headers, timeout=timeout, auth=auth, verify=_ssl_context(), event_hooks=hooks)


def _auth(spec: ServerSpec) -> Any:
    """The ``httpx2.Auth`` a spec asks for (OAuth), or None; the OAuth stack loads only then."""
    if spec.auth is None:
        return None
    from .auth.api import build_auth

    return build_auth(spec)


@asynccontextmanager
async def _http_transport(spec: ServerSpec, stderr: StderrCapture | None = None, on_http: HttpTap | None = None
                          ) -> AsyncIterator[Any]:  # fmt: skip
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    timeout = httpx2.Timeout(spec.connect_timeout, read=max(spec.timeout or 0.0, 300.0))
    async with _http_client(headers=spec.headers, timeout=timeout, auth=_auth(spec), on_http=on_http) as http:
        async with streamable_http_client(spec.url or "", http_client=http) as streams:
            yield streams


def _stdio_transport(spec: ServerSpec, stderr: StderrCapture | None, on_http: HttpTap | None = None) -> Any:
    from .stdio import stdio_transport  # ours: a line reader linear in the line's size, bad lines reported

    assert stderr is not None
    return stdio_transport(stdio_parameters(spec), errlog=stderr.writer)


def _sse_transport(spec: ServerSpec, stderr: StderrCapture | None = None, on_http: HttpTap | None = None) -> Any:
    from mcp.client.sse import sse_client

    factory = partial(_http_client, on_http=on_http) if on_http is not None else _http_client
    return sse_client(
        spec.url or "", headers=spec.headers, timeout=spec.connect_timeout, httpx_client_factory=factory,
        auth=_auth(spec),
    )  # fmt: skip


def _websocket_transport(spec: ServerSpec, stderr: StderrCapture | None = None, on_http: HttpTap | None = None) -> Any:
    from .websocket import websocket_client  # the websockets library loads on first use

    if spec.auth is not None:
        raise ConfigError(
            f"server {spec.name!r}: OAuth sign-in is for HTTP servers; a WebSocket server takes "
            "headers={'Authorization': 'Bearer ${env:TOKEN}'}"
        )
    url = spec.url or ""
    return websocket_client(url, headers=spec.headers, open_timeout=spec.connect_timeout,
                            ssl=_ssl_context() if url.startswith("wss://") else None)  # fmt: skip


@dataclass(frozen=True)
class TransportKind:
    """One transport: how it is named, what it connects to, and how it is built."""

    name: str  # the spec's ``transport`` value
    label: str  # what people call it
    target: Literal["command", "url"]
    build: Callable[[ServerSpec, StderrCapture | None, HttpTap | None], Any]  # (spec, stderr, on_http)
    aliases: tuple[str, ...] = ()  # other spellings config files use
    schemes: tuple[str, ...] = ()  # URL schemes it takes; the first kind listing a scheme is its default
    flag: str | None = None  # the ``%mcp connect`` flag that selects it for a URL
    deprecated: bool = False

    @property
    def example(self) -> str:
        return "command='python', args=['-m', 'pkg']" if self.target == "command" else f"url='{self.schemes[0]}://...'"


TRANSPORTS: dict[str, TransportKind] = {
    kind.name: kind
    for kind in (
        TransportKind("stdio", "stdio", "command", _stdio_transport),
        TransportKind("http", "Streamable HTTP", "url", _http_transport,
                      aliases=("streamable-http", "streamable_http", "streamablehttp"), schemes=("http", "https")),
        TransportKind("sse", "SSE", "url", _sse_transport, schemes=("http", "https"), flag="--sse", deprecated=True),
        TransportKind("websocket", "WebSocket", "url", _websocket_transport, aliases=("ws", "websockets"),
                      schemes=("ws", "wss")),
    )
}  # fmt: skip


def transport_kind(value: str | None, *, url: str | None, command: str | None) -> TransportKind:
    """The table entry for a spelling (or, when None, for what is given: a command or a URL)."""
    if value is None:
        if command and url:
            raise ConfigError("give either a command (stdio) or a url (HTTP/SSE/WebSocket), not both")
        if command:
            return next(k for k in TRANSPORTS.values() if k.target == "command")
        if url:
            scheme = url.split("://", 1)[0].lower() if "://" in url else ""
            return next((k for k in TRANSPORTS.values() if scheme in k.schemes), TRANSPORTS["http"])
        raise ConfigError("a server needs a command (stdio) or a url (Streamable HTTP / SSE / WebSocket)")
    key = str(value).strip().lower()
    for kind in TRANSPORTS.values():
        if key == kind.name or key in kind.aliases:
            return kind
    names = ", ".join(f"{k.name!r} ({k.label})" if k.label != k.name else repr(k.name) for k in TRANSPORTS.values())
    raise ConfigError(f"unknown transport {value!r}: use {names}")


def build_transport(spec: ServerSpec, stderr: StderrCapture | None, on_http: HttpTap | None = None) -> Any:
    """The transport context manager for a *resolved* spec; ``on_http`` sees every HTTP exchange."""
    return TRANSPORTS[spec.transport].build(spec, stderr, on_http)
