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
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import TextIO

import anyio
import anyio.lowlevel
import mcp_types as types
from anyio.streams.memory import MemoryObjectSendStream
from mcp.client import stdio as sdk_stdio
from mcp.client.stdio import StdioServerParameters, TransportStreams
from mcp.shared.message import SessionMessage

from ..errors import ProtocolError

_CHUNK = 1 << 20  # read what the pipe has, up to 1 MiB at a time
_QUOTE = 200  # characters of a bad line quoted in its error


class StdoutLineError(ProtocolError):
    """A line on the server's stdout that is not a JSON-RPC message (stdout is reserved for them)."""

    def __init__(self, line: str, reason: str) -> None:
        self.line = line
        quoted = repr(line[:_QUOTE]) + (" …" if len(line) > _QUOTE else "")
        super().__init__(
            f"the server wrote a line to stdout that is not JSON-RPC ({reason}): {quoted}; "
            "a server must keep stdout for protocol messages and log to stderr"
        )


def parse_line(line: str) -> SessionMessage | StdoutLineError:
    """One stdout line as a message, or the error that says why it is not one."""
    try:
        return SessionMessage(types.jsonrpc_message_adapter.validate_json(line, by_name=False))
    except ValueError:  # pydantic's ValidationError: not JSON, or not a JSON-RPC shape
        pass
    try:
        json.loads(line)
    except ValueError as exc:
        reason = f"not JSON: {getattr(exc, 'msg', exc)}"
    else:
        reason = "JSON, but not a valid JSON-RPC message"
    return StdoutLineError(line, reason)


class LineSplitter:
    """Bytes in, complete lines out; each byte is scanned once, whatever the lines' sizes."""

    def __init__(self, encoding: str = "utf-8", errors: str = "strict") -> None:
        self._buffer = bytearray()
        self._encoding, self._errors = encoding, errors

    def feed(self, chunk: bytes) -> list[str]:
        """The lines that ``chunk`` completes (without their newlines; blank ones left out)."""
        buffer = self._buffer
        scan = len(buffer)  # what is already buffered holds no newline
        buffer += chunk
        lines: list[str] = []
        start = 0
        while (end := buffer.find(b"\n", scan)) >= 0:
            if end > start:
                line = buffer[start:end].decode(self._encoding, self._errors)
                if line.strip():
                    lines.append(line)
            start = scan = end + 1
        if start:
            del buffer[:start]  # only the unfinished line stays (at most one chunk moves)
        return lines

    @property
    def pending(self) -> int:
        """Bytes of an unfinished line."""
        return len(self._buffer)


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
        splitter = LineSplitter(server.encoding, server.encoding_error_handler)
        try:
            async with read_writer:
                try:
                    await _pump(process.stdout, splitter, read_writer)
                finally:
                    await sdk_stdio._drain_stdout(process)
        except anyio.ClosedResourceError:
            pass  # our own shutdown closed stdout under the read
        except (anyio.BrokenResourceError, ConnectionError):
            if not shutting_down:
                sdk_stdio.logger.exception("Reading from the MCP server's stdout failed mid-session")

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
    stdout: anyio.abc.ByteReceiveStream, splitter: LineSplitter, sink: MemoryObjectSendStream[SessionMessage | Exception]
) -> None:
    """Read stdout to its end, sending each line on (one line at a time: no read-ahead while the
    session is busy). Returns when stdout ends or the session is gone."""
    while True:
        try:
            chunk = await stdout.receive(_CHUNK)
        except anyio.EndOfStream:
            return
        for line in splitter.feed(chunk):
            try:
                await sink.send(parse_line(line))
            except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                return
