"""Our stdio transport: the SDK's process handling, with a line reader linear in the line's size.

Why not the SDK's ``stdio_client``: its reader rebuilds ``buffer + chunk`` for every 64 KiB
chunk of a line (quadratic: one 50 MB result costs ~20 s of CPU and the call times out), and it
drops a stdout line it cannot parse, so the request waiting for that answer hangs until its
timeout. Here a line is scanned once, and an unparseable one becomes a ``StdoutLineError`` in
the read stream, which the session hands to ``message_handler`` (the connection fails the
pending requests with it at once).

Everything else is the SDK's own code, called as it calls it, so nothing else changes:
spawning (a new session, so the server's whole tree shares one process group), the default
environment, and the shutdown sequence (close stdin, wait, SIGTERM the group, SIGKILL it).
Those helpers are private to ``mcp.client.stdio``; an SDK that renames them fails here at once
(an AttributeError on first connect, and the lifecycle tests), never silently.
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import TextIO

import anyio
import anyio.lowlevel
import mcp_types as types
from anyio.abc import ByteReceiveStream
from anyio.streams.memory import MemoryObjectSendStream
from mcp.client import stdio as sdk_stdio
from mcp.client.stdio import StdioServerParameters, TransportStreams
from mcp.shared.message import SessionMessage

from ..errors import MalformedMessageError

logger = logging.getLogger(__name__)
_CHUNK = 1 << 20  # read what the pipe has, up to 1 MiB at a time


class StdoutLineError(MalformedMessageError):
    """A line on the server's stdout that is not a JSON-RPC message (stdout is reserved for them)."""

    def __init__(self, line: str, reason: str) -> None:
        super().__init__(line, "wrote a line to stdout", reason,
                         "a server must keep stdout for protocol messages and log to stderr")


def parse_line(line: bytes, encoding: str = "utf-8", errors: str = "strict") -> SessionMessage | StdoutLineError:
    """One stdout line as a message, or the error that says why it is not one.

    UTF-8 bytes go to the JSON parser as they are (no decoded copy of a 50 MB line); a line
    that is not valid UTF-8, or is in another encoding, is decoded first with ``errors``
    ("replace" turns bad bytes into U+FFFD, as the SDK's reader does)."""
    adapter = types.jsonrpc_message_adapter
    if _is_utf8(encoding):
        try:
            return SessionMessage(adapter.validate_json(line, by_name=False))
        except ValueError:  # pydantic's ValidationError: not JSON-RPC, or bytes that are not UTF-8
            pass
    text = line.decode(encoding, errors)
    try:
        return SessionMessage(adapter.validate_json(text, by_name=False))
    except ValueError:
        pass
    return StdoutLineError(text, StdoutLineError.reason_for(text))


@lru_cache(maxsize=16)
def _is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name == "utf-8"


class LineSplitter:
    """Bytes in, complete lines out; each byte is scanned once and copied at most twice,
    whatever the lines' sizes (an unfinished line is kept as the chunks that hold it)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def feed(self, chunk: bytes) -> list[bytes]:
        """The lines that ``chunk`` completes, without their newlines; blank lines left out."""
        lines: list[bytes] = []
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            if self._parts:
                self._parts.append(chunk[start:end])
                line = b"".join(self._parts)
                self._parts.clear()
            else:
                line = chunk[start:end]
            if line and not line.isspace():
                lines.append(line)
            start = end + 1
        if start < len(chunk):
            self._parts.append(chunk[start:] if start else chunk)
        return lines

    @property
    def pending(self) -> int:
        """Bytes of an unfinished line."""
        return sum(map(len, self._parts))


@asynccontextmanager
async def stdio_transport(server: StdioServerParameters, errlog: TextIO) -> AsyncGenerator[TransportStreams, None]:
    """Start the server and yield ``(read_stream, write_stream)`` like ``mcp.client.stdio.stdio_client``.

    Raises OSError when the process cannot be started (as the SDK does).
    """
    command = await sdk_stdio._get_executable_command(server.command)
    process = await sdk_stdio._create_platform_compatible_process(
        command=command,
        args=server.args,
        env=sdk_stdio.get_default_environment() | (server.env or {}),
        errlog=errlog,
        cwd=server.cwd,
    )
    # Spawned: no await until the task group is entered, or a cancellation would leak the process.
    read_writer, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_stream, write_reader = anyio.create_memory_object_stream[SessionMessage](0)
    writer_done = anyio.Event()
    shutting_down = False

    async def stdout_reader() -> None:
        assert process.stdout is not None
        try:
            async with read_writer:
                try:
                    await _pump(process.stdout, read_writer, server.encoding, server.encoding_error_handler)
                finally:
                    await sdk_stdio._drain_stdout(process)
        except anyio.ClosedResourceError:
            pass  # our own shutdown closed stdout under the read
        except (anyio.BrokenResourceError, ConnectionError):
            if not shutting_down:
                logger.exception("reading the MCP server's stdout failed mid-session")

    async def stdin_writer() -> None:
        assert process.stdin is not None
        try:
            async with write_reader:
                async for message in write_reader:
                    text = message.message.model_dump_json(by_alias=True, exclude_unset=True) + "\n"
                    await process.stdin.send(text.encode(server.encoding, server.encoding_error_handler))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            await read_writer.aclose()  # the session must see the end, not wait forever
        finally:
            writer_done.set()

    async def shutdown() -> None:
        """The SDK's order: stop traffic, let the writer flush, stop the server, release the streams."""
        read_stream.close()
        write_stream.close()
        with anyio.move_on_after(sdk_stdio._WRITER_FLUSH_TIMEOUT):
            await writer_done.wait()
        await sdk_stdio._stop_server_process(process)
        await sdk_stdio._aclose_all(read_stream, write_stream, read_writer, write_reader)
        await anyio.lowlevel.checkpoint()

    async with anyio.create_task_group() as tg:
        tg.start_soon(stdout_reader)
        tg.start_soon(stdin_writer)
        try:
            yield read_stream, write_stream
        finally:
            shutting_down = True
            with anyio.CancelScope(shield=True):  # the process must be stopped even when cancelled
                await shutdown()
            tg.cancel_scope.cancel()
    await anyio.lowlevel.cancel_shielded_checkpoint()


async def _pump(
    stdout: ByteReceiveStream, sink: MemoryObjectSendStream[SessionMessage | Exception], encoding: str,
    errors: str,
) -> None:
    """Read stdout to its end, sending each line on (one chunk at a time: no read-ahead while the
    session is busy). Returns when stdout ends or the session is gone."""
    splitter = LineSplitter()
    while True:
        try:
            chunk = await stdout.receive(_CHUNK)
        except anyio.EndOfStream:
            return
        for line in splitter.feed(chunk):
            try:
                await sink.send(parse_line(line, encoding, errors))
            except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                return
