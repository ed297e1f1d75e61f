"""The loopback redirect target (RFC 8252 §7.3): a one-shot HTTP server on 127.0.0.1.

It runs on the engine's loop only while a sign-in waits for its callback, answers the
browser with a short page, and hands the query parameters (code, state, iss or error) to
the flow. Anything but the callback path gets a 404 and does not end the wait.
"""

from __future__ import annotations

import asyncio
import html
import socket
from urllib.parse import parse_qsl, urlsplit

_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
    "<body style='font-family:sans-serif;margin:3em'><h2>{title}</h2><p>{text}</p></body></html>"
)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class LoopbackCallback:
    """Receives one authorization response at ``http://127.0.0.1:<port><path>``."""

    def __init__(self, port: int, path: str = "/callback", host: str = "127.0.0.1") -> None:
        self.host, self.port, self.path = host, port, path
        self._server: asyncio.base_events.Server | None = None
        self._result: asyncio.Future[dict[str, str]] | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        """Bind now, before the user is sent off, so an immediate redirect cannot miss us."""
        if self._server is not None:
            return
        self._result = asyncio.get_running_loop().create_future()
        try:
            self._server = await asyncio.start_server(self._handle, self.host, self.port)
        except OSError as exc:
            from .errors import AuthError

            raise AuthError(
                f"cannot listen for the sign-in callback on {self.host}:{self.port} ({exc.strerror}); "
                "free that port, or log out of the server (wb.logout / %mcp logout) to register on another one"
            ) from None

    async def wait(self, timeout: float) -> dict[str, str]:
        """The callback's query parameters; ``TimeoutError`` when none arrives in time."""
        assert self._result is not None, "start() first"
        return await asyncio.wait_for(asyncio.shield(self._result), timeout)

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            try:
                await asyncio.wait_for(server.wait_closed(), 2.0)
            except TimeoutError:
                pass
        if self._result is not None and not self._result.done():
            self._result.cancel()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10.0)
            target = request.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
            parts = urlsplit(target)
            if parts.path != self.path:
                self._respond(writer, 404, "Not found", "This is the sign-in callback of mcp-workbench.")
                return
            params = dict(parse_qsl(parts.query))
            if "error" in params:
                reason = params.get("error_description") or params["error"]
                self._respond(writer, 200, "Sign-in failed", f"{reason}. Return to the notebook.")
            else:
                self._respond(writer, 200, "Signed in", "You can close this tab and return to the notebook.")
            if self._result is not None and not self._result.done():
                self._result.set_result(params)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, IndexError, TimeoutError, OSError):
            pass
        finally:
            try:
                await writer.drain()
                writer.close()
            except OSError:
                pass

    @staticmethod
    def _respond(writer: asyncio.StreamWriter, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
        reason = "OK" if status == 200 else "Not Found"
        head = (
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode() + body)
