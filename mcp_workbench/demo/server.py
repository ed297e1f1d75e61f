"""The bundled demo MCP server used by the tests, the benchmarks and the tour notebook.

It exercises every feature the workbench shows: structured output, progress, logging, images,
errors, annotations, prompts, static resources, a resource template, pagination and an MCP App
(``counter.py``: a counter page whose button calls the server); and (see ``modern``) tasks,
completions, a subscribable resource, log levels, resource links and icons.

Run it with ``python -m mcp_workbench.demo`` (stdio), ``--http --port N`` (Streamable HTTP at
``/mcp``), ``--sse --port N`` (SSE at ``/sse``, messages at ``/messages/``) or ``--ws --port N``
(WebSocket at ``/mcp``). ``--tools N`` adds N trivial tools ``gen_0000..`` for the "1,000 tools"
benchmark. ``--drift`` serves a later "version" for ``verify`` to catch: ``add`` takes an extra
optional ``c`` (its input schema changes) and ``table`` scores every row half a point higher (its
result changes).

Pagination: MCPServer never paginates, so ``DemoServer`` overrides the list handlers.
``resources/list`` returns pages of 10 (27 static resources, so 3 pages) and ``tools/list``
always returns pages of 50; the 10 default tools therefore fit on one page and only
``--tools`` makes the listing span several. Cursors are opaque base64 offsets; a bad cursor
is an INVALID_PARAMS error, as the spec asks.

``crash`` calls ``os._exit(3)``: never call it on an in-process server.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import struct
import warnings
import zlib
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

import anyio
from mcp_types import (
    INVALID_PARAMS,
    CallToolResult,
    ListResourcesResult,
    ListToolsResult,
    PaginatedRequestParams,
    TextContent,
    ToolAnnotations,
)
from pydantic import BaseModel, Field

from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context, Image, MCPServer, UserMessage
from mcp.server.mcpserver.resources import TextResource
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError

from .counter import counter_app
from .modern import ICON, DemoTasks, add_modern_features

SERVER_NAME = "mcp-workbench-demo"
SERVER_VERSION = "1.0.0"
RESOURCE_PAGE_SIZE = 10
TOOL_PAGE_SIZE = 50
NOTE_COUNT = 25
BIG_MAX_MB = 512  # `big` refuses more: a typo must not exhaust the memory of both processes

# Logging is deprecated in the 2026-07-28 spec, but the demo must still show it. ctx.info warns
# from this module and again from the SDK's Context.log, so silence exactly that warning.
warnings.filterwarnings("ignore", message="The logging capability is deprecated", category=MCPDeprecationWarning,
                        module=rf"{__name__}|mcp\.server\.mcpserver\.context")

_T = TypeVar("_T")
_COLORS = {
    "red": (255, 0, 0), "green": (0, 160, 0), "blue": (0, 0, 255), "black": (0, 0, 0),
    "white": (255, 255, 255), "yellow": (255, 220, 0), "gray": (128, 128, 128),
}
_READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False)


def _page(items: Sequence[_T], cursor: str | None, size: int, kind: str) -> tuple[list[_T], str | None]:
    """Slice one page; cursors are opaque to clients but just ``kind:offset`` in base64."""
    start = 0
    if cursor is not None:
        try:
            tag, _, offset = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
            start = int(offset)
            if tag != kind or not 0 <= start <= len(items):
                raise ValueError(cursor)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise MCPError(code=INVALID_PARAMS, message=f"invalid or expired cursor: {cursor!r}") from None
    end = start + size
    nxt = base64.urlsafe_b64encode(f"{kind}:{end}".encode()).decode() if end < len(items) else None
    return list(items[start:end]), nxt


class DemoServer(MCPServer):
    """MCPServer with cursor pagination on ``tools/list`` and ``resources/list``."""

    async def _handle_list_tools(
        self, ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        tools, nxt = _page(await self.list_tools(), params.cursor if params else None, TOOL_PAGE_SIZE, "tools")
        return ListToolsResult(tools=tools, next_cursor=nxt)

    async def _handle_list_resources(
        self, ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        res, nxt = _page(await self.list_resources(), params.cursor if params else None, RESOURCE_PAGE_SIZE, "resources")
        return ListResourcesResult(resources=res, next_cursor=nxt)


def make_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """Encode a solid-colour RGB PNG by hand, so the demo needs no Pillow."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    row = b"\x00" + bytes(rgb) * width  # filter byte 0, then the pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit truecolour
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b"")


def _parse_color(color: str) -> tuple[int, int, int]:
    """Accept a few names or ``#rrggbb``."""
    if color.lower() in _COLORS:
        return _COLORS[color.lower()]
    hexpart = color.removeprefix("#")
    if len(hexpart) == 6:
        try:
            return (int(hexpart[0:2], 16), int(hexpart[2:4], 16), int(hexpart[4:6], 16))
        except ValueError:
            pass
    raise ValueError(f"unknown color {color!r}; use one of {sorted(_COLORS)} or #rrggbb")


class Row(BaseModel):
    id: int
    name: str
    score: float


class Table(BaseModel):
    """Return type of ``table``: the SDK derives the tool's outputSchema from it."""

    rows: list[Row]


def build_server(extra_tools: int = 0, drift: bool = False) -> MCPServer:
    """Build the demo server; ``extra_tools`` adds ``gen_0000..`` tools for listing benchmarks,
    ``drift`` changes one tool's schema and another's result (see the module docstring)."""
    tasks = DemoTasks()
    server = DemoServer(SERVER_NAME, version=SERVER_VERSION, log_level="WARNING",
                        instructions="A demo server for trying out the MCP workbench.",
                        extensions=[tasks, counter_app()])  # tasks; MCP Apps: counter, increment, reset + their page

    if drift:
        @server.tool(title="Add", description="Add two integers.", annotations=_READ_ONLY, icons=[ICON])
        def add(a: int, b: int, c: int = 0) -> int:
            return a + b + c
    else:
        @server.tool(title="Add", description="Add two integers.", annotations=_READ_ONLY, icons=[ICON])
        def add(a: int, b: int) -> int:
            return a + b
    bonus = 0.5 if drift else 0.0

    @server.tool(title="Echo", description="Return the text unchanged.", annotations=_READ_ONLY)
    def echo(text: str) -> str:
        return text

    @server.tool(title="Slow", description="Sleep for a while, reporting progress after each step.")
    async def slow(ctx: Context, seconds: float = 1.0, steps: int = 5) -> str:
        steps = max(1, steps)
        await ctx.info(f"slow: sleeping {seconds}s in {steps} steps")
        for i in range(1, steps + 1):
            await anyio.sleep(seconds / steps)
            await ctx.report_progress(i, steps, f"step {i}/{steps}")
        return f"done after {seconds}s"

    @server.tool(title="Image", description="Return a solid-colour PNG image.")
    def image(width: int = 64, height: int = 32, color: str = "red") -> Image:
        if not (1 <= width <= 4096 and 1 <= height <= 4096):
            raise ValueError("width and height must be between 1 and 4096")
        return Image(data=make_png(width, height, _parse_color(color)), format="png")

    @server.tool(title="Table", description="Return a small table as structured output.", annotations=_READ_ONLY)
    def table(rows: int = 5) -> Table:
        return Table(rows=[Row(id=i, name=f"item-{i}", score=round(i * 1.5 + bonus, 2)) for i in range(1, rows + 1)])

    @server.tool(title="Fail", description="Always return an error result (isError true).")
    def fail(message: str = "this tool always fails") -> CallToolResult:
        return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)

    @server.tool(title="Delete everything", description="Pretend to delete all data (destructive; does nothing).",
              annotations=ToolAnnotations(destructive_hint=True, read_only_hint=False))
    def delete_all(confirm: bool = False) -> str:
        if not confirm:
            return "nothing deleted: pass confirm=true to (pretend to) delete everything"
        return "deleted everything (not really, this is a demo)"

    @server.tool(title="Environment variable", description="Return an environment variable of the server process.",
              annotations=_READ_ONLY)
    def env(name: str) -> str:
        return os.environ.get(name, "<unset>")

    @server.tool(title="Crash", description="Exit the server process immediately with status 3.")
    def crash() -> str:
        os._exit(3)

    @server.tool(title="Add a tool", description="Register a new tool `NAME` (echoes its text) and announce the change.")
    async def add_tool(ctx: Context, name: str) -> str:
        server.add_tool(lambda text="": text, name=name, description=f"Added at run time: {name}.")
        await ctx.notify_tools_changed()
        return f"added {name}"

    @server.tool(title="Big", description="Return text of `mb` megabytes (MiB), for large-result tests.",
                 annotations=_READ_ONLY)
    def big(mb: Annotated[float, Field(ge=0, le=BIG_MAX_MB)] = 1.0) -> str:
        return "x" * int(mb * 2**20)

    @server.tool(title="Sleep forever", description="Never return (for hung-server tests).")
    async def sleep_forever() -> str:
        while True:
            await anyio.sleep(3600)

    for i in range(extra_tools):
        server.add_tool(_gen_tool(i), name=f"gen_{i:04d}", title=f"Generated {i}",
                     description=f"Generated tool number {i}; returns its index.", annotations=_READ_ONLY)

    @server.prompt(title="Code review", description="Ask for a review of a piece of code.", icons=[ICON])
    def review(code: str, language: str = "python") -> list[UserMessage]:
        return [UserMessage(f"Please review this {language} code for bugs and style:\n\n```{language}\n{code}\n```")]

    @server.prompt(title="Summarize", description="Ask for a summary of some text.")
    def summarize(text: str, style: str = "short") -> list[UserMessage]:
        return [UserMessage(f"Summarize the following text in a {style} style:\n\n{text}")]

    @server.resource("demo://readme", title="Readme", description="What this server is.", mime_type="text/markdown",
                     icons=[ICON])
    def readme() -> str:
        return f"# {SERVER_NAME}\n\nA demo MCP server bundled with mcp-workbench. Try the `add` and `slow` tools.\n"

    @server.resource("demo://config.json", title="Config", description="Demo configuration.",
                  mime_type="application/json")
    def config() -> str:
        return json.dumps({"name": SERVER_NAME, "version": SERVER_VERSION, "page_size": RESOURCE_PAGE_SIZE})

    @server.resource("demo://items/{item_id}", title="Item", description="One demo item as JSON.",
                  mime_type="application/json")
    def item(item_id: str) -> str:
        return json.dumps({"id": item_id, "name": f"Item {item_id}", "tags": ["demo"]})

    add_modern_features(server, tasks)
    for i in range(NOTE_COUNT):
        server.add_resource(TextResource(uri=f"demo://notes/{i}", name=f"note-{i:02d}", title=f"Note {i}",
                                      description=f"Demo note number {i}.", text=f"This is note {i}."))
    return server


def _gen_tool(index: int) -> Any:
    """A closure per generated tool, so each returns its own index."""

    def gen() -> int:
        return index

    return gen


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and serve over the chosen transport."""
    parser = argparse.ArgumentParser(prog="python -m mcp_workbench.demo", description=__doc__.splitlines()[0])
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument("--http", action="store_true", help="serve Streamable HTTP at /mcp")
    transport.add_argument("--sse", action="store_true", help="serve SSE at /sse (messages at /messages/)")
    transport.add_argument("--ws", action="store_true", help="serve WebSocket at /mcp (ws://HOST:PORT/mcp)")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--tools", type=int, default=0, metavar="N", help="add N generated tools gen_0000..")
    parser.add_argument("--drift", action="store_true", help="a changed add schema and table result (for verify)")
    args = parser.parse_args(argv)
    server = build_server(args.tools, drift=args.drift)
    # MCPServer passes its log level (WARNING) to uvicorn, which keeps the access log quiet.
    if args.http:
        server.run("streamable-http", host=args.host, port=args.port)
    elif args.sse:
        server.run("sse", host=args.host, port=args.port)
    elif args.ws:
        from .websocket import run_websocket

        run_websocket(server, args.host, args.port)
    else:
        server.run("stdio")


if __name__ == "__main__":
    main()
