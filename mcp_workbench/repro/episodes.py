"""``new_episodes`` replay: the real server behind a replayed connection, opened on the first miss.

The client already did its handshake with the cassette, so the real server is first sent that
same handshake (under private ids, answers swallowed); after that, missed requests, the client's
replies to the server's own requests, and its notifications go to the server, everything the
server sends goes to the client, and a ``ServerRecorder`` appends the interactions to the cassette.
The transport is entered and left by one task (anyio cancel scopes require it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio
from mcp.shared.message import SessionMessage

from .cassette import message_kind, plain
from .recorder import ServerRecorder
from ..core.transports import StderrCapture, build_transport

if TYPE_CHECKING:
    from .replay import ReplaySession

_CLOSE_TIMEOUT_S = 8.0


class RealServer:
    def __init__(self, session: ReplaySession) -> None:
        self.session = session
        self.spec = session.spec.resolved()
        self.recorder = ServerRecorder(session.cassette, session.server)
        self.write: Any = None
        self.passed: set[Any] = set()  # client request ids sent here
        self.asked: set[Any] = set()  # the server's own request ids (the client's replies come here)
        self._warmups: dict[str, anyio.Event] = {}
        self._stop = anyio.Event()
        self._done = anyio.Event()

    async def start(self, tg: Any) -> None:
        await tg.start(self._run)
        await self._warm_up()

    async def _run(self, *, task_status: Any) -> None:
        stderr = StderrCapture(self.spec.name, on_eof=lambda: None) if self.spec.runs_command else None
        try:
            async with build_transport(self.spec, stderr) as (read, write):
                if stderr is not None:
                    stderr.close_writer()
                self.write = write
                task_status.started()
                async with anyio.create_task_group() as inner:
                    inner.start_soon(self._pump, read)
                    await self._stop.wait()
                    inner.cancel_scope.cancel()
        finally:
            if stderr is not None:
                stderr.close_writer()
            self._done.set()

    async def _warm_up(self) -> None:
        """Replay the client's handshake to the real server, so it accepts requests."""
        for number, msg in enumerate(self.session.handshake.values()):
            wid = f"warmup-{number}"
            done = self._warmups[wid] = anyio.Event()
            await self.write.send(SessionMessage(msg.message.model_copy(update={"id": wid}), msg.metadata))
            with anyio.fail_after(self.spec.connect_timeout):
                await done.wait()
        if self.session.initialized is not None:
            await self.write.send(self.session.initialized)

    async def _pump(self, read: Any) -> None:
        async for item in read:
            if isinstance(item, Exception):
                continue
            data = plain(item.message)
            kind = message_kind(item.message)
            if kind == "response" and data.get("id") in self._warmups:
                self._warmups.pop(data["id"]).set()
                continue
            if kind == "request":
                self.asked.add(data["id"])
            self.recorder.observe("in", item)
            await self.session.to_client.send(item)

    async def request(self, msg: SessionMessage, data: dict[str, Any]) -> None:
        self.passed.add(data["id"])
        self.recorder.observe("out", msg)
        await self.write.send(msg)

    async def reply(self, msg: SessionMessage) -> None:
        data = plain(msg.message)
        if data.get("id") in self.asked:
            self.asked.discard(data["id"])
            self.recorder.observe("out", msg)
            await self.write.send(msg)

    async def notify(self, msg: SessionMessage, data: dict[str, Any]) -> None:
        params = data.get("params") or {}
        if data.get("method") == "notifications/cancelled" and params.get("requestId") not in self.passed:
            return  # about a request the cassette answered
        if data.get("method") == "notifications/initialized":
            return  # sent during the warm-up
        self.recorder.observe("out", msg)
        await self.write.send(msg)

    async def close(self) -> None:
        self.recorder.flush()
        self._stop.set()
        with anyio.move_on_after(_CLOSE_TIMEOUT_S):
            await self._done.wait()
