"""Recording: one server's tap traffic turned into cassette interactions.

A tap observer sees single messages; a cassette wants interactions (a request, what arrived
while it was pending, its response). So messages are grouped here: a response closes its
request's interaction; a notification or server-to-client request joins the request it belongs
to (by progress token, by the transport's related request id, else the request sent last that
is still pending, which is what usually caused it). A notification that arrives when only a
subscription stream is open (over HTTP a ``list_changed`` may come after the response of the
call that caused it) joins the last completed request as an ``after`` event: so that one is
held back until the next request is sent. Runs on the engine thread; the lock is for ``flush``
from the kernel's thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from .cassette import HANDSHAKE, Cassette, message_kind, plain, request_params

SUBSCRIPTION = "subscriptions/listen"  # a request left open for the connection's life


class ServerRecorder:
    """A tap observer (``observe(direction, item)``) that writes one server's interactions."""

    def __init__(self, cassette: Cassette, server: str, spec: Callable[[], dict[str, Any] | None] | None = None) -> None:
        """``spec()`` gives the server's spec (masked) at its handshake, kept in the cassette."""
        self.cassette = cassette
        self.server = server
        self._spec = spec
        self._pending: dict[Any, dict[str, Any]] = {}  # client request id -> interaction (send order)
        self._progress: dict[Any, Any] = {}  # progress token -> client request id
        self._asked: dict[Any, dict[str, Any]] = {}  # server request id -> its event (awaiting our reply)
        self._held: dict[Any, Any] | None = None  # the last completed interaction, until the next request
        self._lock = threading.Lock()

    def observe(self, direction: str, item: Any) -> None:
        if isinstance(item, Exception):
            return
        data = plain(item.message)
        kind = message_kind(item.message)
        with self._lock:
            if direction == "out":
                if kind == "request":
                    self._sent(data)
                elif kind == "response":
                    self._replied(data)
                elif data.get("method") == "notifications/cancelled":
                    self._cancelled(data)
            elif kind == "response":
                self._answered(data)
            else:
                self._arrived(kind, data, item.metadata)

    def _sent(self, data: dict[str, Any]) -> None:
        self._release()
        params = data.get("params") or {}
        token = (params.get("_meta") or {}).get("progressToken")
        method = data["method"]
        if method in HANDSHAKE and self._spec is not None:
            spec = self._spec()
            if spec is not None:
                self.cassette.write_spec(self.server, spec)
        self._pending[data["id"]] = {
            "type": "call", "server": self.server, "method": method, "params": request_params(method, params),
            "id": data["id"], "time": time.time(), "events": [], "response": None, "_t0": time.perf_counter(),
        }  # fmt: skip
        if token is not None:
            self._progress[token] = data["id"]

    def _answered(self, data: dict[str, Any]) -> None:
        entry = self._pending.pop(data.get("id"), None)
        if entry is not None:
            entry["response"] = _outcome(data)
            self._release()
            self._held = entry

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            self._write(held)

    def _cancelled(self, data: dict[str, Any]) -> None:
        """The client gave up (timeout, interrupt, closing a subscription): replay never answers it either."""
        entry = self._pending.pop((data.get("params") or {}).get("requestId"), None)
        if entry is not None:
            entry["cancelled"] = True
            self._write(entry)

    def _arrived(self, kind: str, data: dict[str, Any], metadata: Any) -> None:
        owner, after = self._owner(data, metadata)
        if owner is None:
            return  # nothing was asked yet: nothing to attach it to
        body = {k: data[k] for k in ("id", "method", "params") if k in data}
        event: dict[str, Any] = {kind: body, "after": True} if after else {kind: body}
        if kind == "request":
            self._asked[data["id"]] = event
        owner["events"].append(event)

    def _replied(self, data: dict[str, Any]) -> None:
        event = self._asked.pop(data.get("id"), None)
        if event is not None:
            event["reply"] = _outcome(data)

    def _owner(self, data: dict[str, Any], metadata: Any) -> tuple[dict[str, Any] | None, bool]:
        """The interaction a message belongs to, and whether it came after that one's response."""
        params = data.get("params") or {}
        for candidate in (self._progress.get(params.get("progressToken")), getattr(metadata, "related_request_id", None)):
            if candidate is not None and candidate in self._pending:
                return self._pending[candidate], False
        pending = list(reversed(self._pending.values()))
        calls = [e for e in pending if e["method"] != SUBSCRIPTION]
        if calls:
            return calls[0], False
        if self._held is not None:
            return self._held, True
        return (pending[0] if pending else None), False

    def _write(self, entry: dict[str, Any]) -> None:
        t0 = entry.pop("_t0", None)
        if t0 is not None:
            entry["ms"] = round((time.perf_counter() - t0) * 1000, 3)
        self._progress = {t: i for t, i in self._progress.items() if i != entry["id"]}
        self.cassette.write(entry)

    def flush(self) -> None:
        """Write the requests still unanswered (a subscription stream): replay leaves them open too."""
        with self._lock:
            self._release()
            pending, self._pending = self._pending, {}
            for entry in pending.values():
                self._write(entry)


def _outcome(data: dict[str, Any]) -> dict[str, Any]:
    return {"error": data["error"]} if "error" in data else {"result": data.get("result")}
