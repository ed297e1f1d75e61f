"""Replay: a transport that answers from a cassette, so a notebook re-runs with no server present.

``Replayer.override`` is installed as ``wb.transport_override``: every connect to a server the
cassette covers gets a pair of in-memory streams instead of a process or a URL. Each request the
client sends is looked up by (server, method, params); its recorded notifications and
server-to-client requests are played (progress tokens and ids rewritten to the live ones), then
its response. A request the cassette lacks gets a JSON-RPC error naming it, or, in
``new_episodes`` mode, goes to the real server (opened on the first miss, see ``episodes.py``)
and the interaction is appended to the cassette.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import mcp_types as types
from mcp.shared.message import ServerMessageMetadata, SessionMessage
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_HANDSHAKE_VERSION

from .cassette import HANDSHAKE, Cassette, message_kind, plain, request_params
from ..core.config import ServerSpec

logger = logging.getLogger("mcp_workbench.replay")

MISS_CODE = -32050  # implementation-defined server error: "not in the cassette"
_REPLY_TIMEOUT_S = 30.0


class Replayer:
    """What ``wb.replay(path)`` installs: a transport per connection to a covered server."""

    def __init__(self, cassette: Cassette) -> None:
        self.cassette = cassette

    def override(self, spec: ServerSpec) -> Any:
        if not self.cassette.covers(spec.name) and self.cassette.mode != "new_episodes":
            return None  # recorded with other servers chosen: this one stays real
        return replay_transport(self.cassette, spec)


def to_message(data: dict[str, Any], related: Any = None) -> SessionMessage:
    """A message for the client; ``related`` (the request it belongs to) lets an HTTP transport
    send it on that request's response stream."""
    metadata = ServerMessageMetadata(related_request_id=related) if related is not None else None
    return SessionMessage(types.jsonrpc_message_adapter.validate_python({"jsonrpc": "2.0", **data}), metadata)


def initialize_from_discover(result: dict[str, Any], requested: Any) -> dict[str, Any]:
    """An ``initialize`` answer made from a recorded ``server/discover`` one, so a handshake-era
    client (an older SDK, an IDE) can use a cassette recorded in the 2026 era."""
    version = requested if requested in HANDSHAKE_PROTOCOL_VERSIONS else LATEST_HANDSHAKE_VERSION
    info = (result.get("_meta") or {}).get(types.SERVER_INFO_META_KEY) or {"name": "mock", "version": "0"}
    answer = {"protocolVersion": version, "capabilities": result.get("capabilities") or {}, "serverInfo": info}
    if result.get("instructions"):
        answer["instructions"] = result["instructions"]
    return answer


@asynccontextmanager
async def replay_transport(cassette: Cassette, spec: ServerSpec) -> AsyncIterator[tuple[Any, Any]]:
    """The (read, write) streams a ``Client`` gets; served by a ``ReplaySession``."""
    to_server, from_client = anyio.create_memory_object_stream[SessionMessage](math.inf)
    to_client, from_server = anyio.create_memory_object_stream[Any](math.inf)
    session = ReplaySession(cassette, spec, to_client)
    async with anyio.create_task_group() as tg:
        tg.start_soon(session.serve, from_client, tg)
        try:
            yield from_server, to_server
        finally:
            await session.close()
            tg.cancel_scope.cancel()


class ReplaySession:
    """One replayed connection."""

    def __init__(self, cassette: Cassette, spec: ServerSpec, to_client: Any) -> None:
        self.cassette = cassette
        self.spec = spec
        self.server = spec.name
        self.to_client = to_client
        self.ids: dict[Any, Any] = {}  # recorded request id -> live one (subscription ids in notifications)
        self.handshake: dict[str, SessionMessage] = {}  # by method, served from the cassette; sent to a real server
        self.initialized: SessionMessage | None = None
        self._waiting: dict[Any, anyio.Event] = {}  # our server-to-client requests awaiting the client's reply
        self._numbers = itertools.count(1)
        self.real: Any = None  # episodes.RealServer, on the first miss in new_episodes mode
        self.way_out: str | None = None  # what a miss error tells the client to do (None: the replay advice)
        self._real_lock = anyio.Lock()

    async def serve(self, from_client: Any, tg: Any) -> None:
        """Answer the client's messages until its stream ends (or is closed under us: it left)."""
        try:
            async with from_client:
                async for msg in from_client:
                    if isinstance(msg, Exception):  # a line that is not JSON-RPC (a real transport's parse error)
                        logger.warning("%s: ignored a message that is not JSON-RPC: %s", self.server, msg)
                        continue
                    data = plain(msg.message)
                    kind = message_kind(msg.message)
                    if kind == "request":
                        tg.start_soon(self._request, msg, data, tg)
                    elif kind == "response":
                        await self._reply(msg, data)
                    else:
                        await self._notification(msg, data)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            pass

    async def send(self, data: dict[str, Any], related: Any = None) -> None:
        try:
            await self.to_client.send(to_message(data, related))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            logger.debug("%s: the client left before %s", self.server, data.get("method") or data.get("id"))

    async def _request(self, msg: SessionMessage, data: dict[str, Any], tg: Any) -> None:
        method, params = data["method"], data.get("params") or {}
        key = request_params(method, params)
        entry = self.cassette.take(self.server, method, key)
        if entry is None and method == "initialize":
            entry = self._initialize_from_discover(params)
        if entry is None:
            if self.cassette.mode == "new_episodes":
                await self._pass(msg, data, tg)
                return
            message = self.cassette.miss_message(self.server, method, key, self.way_out)
            logger.info("%s", message)
            await self.send({"id": data["id"], "error": {"code": MISS_CODE, "message": message}})
            return
        if method in HANDSHAKE:
            self.handshake.setdefault(method, msg)
        self.ids[entry["id"]] = data["id"]
        token = (params.get("_meta") or {}).get("progressToken")
        events = entry.get("events", [])
        await self._play([e for e in events if not e.get("after")], token, data["id"])
        response = entry.get("response")
        if response is not None:  # None: a subscription left open, or a request the client cancelled
            await self.send({"id": data["id"], **response})
        await self._play([e for e in events if e.get("after")], token, data["id"])

    def _initialize_from_discover(self, params: dict[str, Any]) -> dict[str, Any] | None:
        discover = self.cassette.take(self.server, "server/discover", {})
        result = (discover or {}).get("response", {}).get("result")
        if result is None:
            return None
        answer = initialize_from_discover(result, params.get("protocolVersion"))
        return {"id": discover["id"], "events": [], "response": {"result": answer}}  # type: ignore[index]

    async def _play(self, events: list[dict[str, Any]], token: Any, related: Any) -> None:
        for event in events:
            if "notification" in event:
                await self._notify(event["notification"], token, related)
            elif "request" in event:
                await self._ask(event["request"], related)

    async def _notify(self, note: dict[str, Any], token: Any, related: Any) -> None:
        params = dict(note.get("params") or {})
        if "progressToken" in params:
            if token is None:
                return  # this call asked for no progress
            params["progressToken"] = token
        meta = params.get("_meta")
        if isinstance(meta, dict):
            params["_meta"] = {k: self.ids.get(v, v) if k.endswith("subscriptionId") else v for k, v in meta.items()}
        await self.send({"method": note["method"], "params": params}, related)

    async def _ask(self, request: dict[str, Any], related: Any) -> None:
        """A recorded server-to-client request (sampling, elicitation, roots): the client's own
        callback answers it again; wait for that before playing on, as the server did."""
        rid = f"replay-{next(self._numbers)}"
        done = self._waiting[rid] = anyio.Event()
        await self.send({"id": rid, "method": request["method"], "params": request.get("params") or {}}, related)
        with anyio.move_on_after(_REPLY_TIMEOUT_S):
            await done.wait()
        self._waiting.pop(rid, None)

    async def _reply(self, msg: SessionMessage, data: dict[str, Any]) -> None:
        done = self._waiting.get(data.get("id"))
        if done is not None:
            done.set()
        elif self.real is not None:
            await self.real.reply(msg)

    async def _notification(self, msg: SessionMessage, data: dict[str, Any]) -> None:
        if data.get("method") == "notifications/initialized":
            self.initialized = msg
        if self.real is not None:
            await self.real.notify(msg, data)

    async def _pass(self, msg: SessionMessage, data: dict[str, Any], tg: Any) -> None:
        """``new_episodes``: the real server answers (and the cassette gets the interaction)."""
        from .episodes import RealServer

        try:
            async with self._real_lock:
                if self.real is None:
                    real = RealServer(self)
                    await real.start(tg)
                    self.real = real
            await self.real.request(msg, data)
        except Exception as exc:  # noqa: BLE001 - the client gets an error answer; the session goes on
            message = f"{self.server}: {data['method']} is not in the cassette and the real server failed: {exc}"
            await self.send({"id": data["id"], "error": {"code": MISS_CODE, "message": message}})

    async def close(self) -> None:
        if self.real is not None:
            await self.real.close()
