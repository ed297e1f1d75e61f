"""HTTP on the wire: one record per HTTP exchange of an HTTP transport, for the traffic view.

JSON-RPC rows show what the protocol said; a server author debugging a proxy, a session id
or a 401 needs the layer below too: method, URL, status, headers (secrets masked), bytes and
time to the response headers. httpx event hooks give exactly that without wrapping the
transport. Streamed bodies (SSE) have no length when the headers arrive, so their size is
what ``Content-Length`` says, or None.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .secrets import mask, mask_text

_T0 = "mcp_workbench.t0"


@dataclass(frozen=True, slots=True)
class HttpExchange:
    """One request and the headers of its response."""

    method: str
    url: str
    status: int
    request_headers: dict[str, str]
    response_headers: dict[str, str]
    request_bytes: int | None
    response_bytes: int | None
    ms: float | None

    @property
    def size(self) -> int:
        return (self.request_bytes or 0) + (self.response_bytes or 0)

    def as_payload(self) -> dict[str, Any]:
        return {
            "method": self.method, "url": self.url, "status": self.status,
            "request_headers": self.request_headers, "response_headers": self.response_headers,
            "request_bytes": self.request_bytes, "response_bytes": self.response_bytes, "ms": self.ms,
        }  # fmt: skip


HttpObserver = Callable[[HttpExchange], None]


def _headers(headers: Any) -> dict[str, str]:
    return mask({k.lower(): v for k, v in headers.items()})


def _length(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def exchange(response: Any) -> HttpExchange:
    """The record of a response whose headers just arrived."""
    request = response.request
    t0 = request.extensions.get(_T0)
    try:
        sent = len(request.content)
    except Exception:  # a streamed request body: its size is not known here
        sent = _length(request.headers.get("content-length"))
    return HttpExchange(
        method=request.method, url=mask_text(str(request.url)), status=response.status_code,
        request_headers=_headers(request.headers), response_headers=_headers(response.headers),
        request_bytes=sent, response_bytes=_length(response.headers.get("content-length")),
        ms=round((time.perf_counter() - t0) * 1000, 3) if t0 is not None else None,
    )  # fmt: skip


def http_hooks(
    observer: HttpObserver, active: Callable[[], bool] = lambda: True
) -> dict[str, list[Callable[[Any], Awaitable[None]]]]:
    """httpx ``event_hooks`` that report each exchange to ``observer`` (which must not raise);
    while ``active()`` is false they cost a clock read and nothing is built."""

    async def on_request(request: Any) -> None:
        request.extensions[_T0] = time.perf_counter()

    async def on_response(response: Any) -> None:
        if active():
            observer(exchange(response))

    return {"request": [on_request], "response": [on_response]}
