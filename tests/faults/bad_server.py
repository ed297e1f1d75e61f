"""A misbehaving MCP server for the fault and security suites, over stdio or Streamable HTTP.

    python tests/faults/bad_server.py [--http --port N] [--garbage N] [--garbage-bytes]
                                      [--exit-at-start] [--refuse] [--argv-to-stderr]

Written on the standard library alone, speaking raw JSON-RPC, so it can break the protocol on
purpose (the SDK's server would not let it) and starts in tens of milliseconds. It answers
``server/discover`` with "method not found", so clients fall back to the ``initialize``
handshake (protocol 2025-11-25 or whatever the client offers).

Faults on command, as tools (``tools/call``):

- ``echo(text, delay=0)``  answer ``text`` after ``delay`` seconds (healthy; for concurrency)
- ``crash``                write a line to stderr, then exit the process mid-call (status 3)
- ``crash_late``           stdio: close stdout, 0.2 s later write last words to stderr, exit
- ``hang``                 never answer (other requests are still served)
- ``slow(seconds)``        answer after ``seconds``
- ``malformed(kind)``      ``line``: a line that is not JSON; ``shape``: valid JSON-RPC whose
                           result is not an object; ``id``: a response to an id never sent.
                           The real answer never comes. ``text`` (stdio): a 300-character debug
                           line on stdout, then the real answer ("text after the noise").
- ``bad_output``           structured content that violates the tool's own outputSchema
- ``flood(count, level)``  ``count`` log notifications, then the answer
- ``big(mb)``              a text result of ``mb`` megabytes
- ``cut``                  HTTP: start the SSE response, send half an event, close the socket;
                           stdio: write half a response line, then exit
- ``hostile``              text, structured content, images with ``text/html`` and
                           ``image/svg+xml`` types: markup that must stay data
- ``reveal(name)``         the value of an environment variable or (HTTP) a request header
                           (``authorization:credentials``: the header without its scheme)
- ``error(text, code)``    a JSON-RPC error (default code -32603) whose message is ``text``
- ``whisper(text)``        write ``text`` to stderr, then answer "ok"

Start-up faults, as flags: ``--garbage N`` prints N non-JSON lines to stdout before the
handshake (``--garbage-bytes`` adds invalid UTF-8); ``--exit-at-start`` refuses to start (a
message on stderr, exit status 2); ``--refuse`` (HTTP) accepts connections and drops them at
once; ``--argv-to-stderr`` logs the command line on stderr (which may hold a secret).

Resources: ``resources/read`` of any URI answers its text (a server that would read any file:
the client's roots policy must stop the request). One prompt, ``hostile``, returns markup and
echoes its arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import sys
import threading
import time
from typing import Any

HANG = object()  # "do not answer"
_HOSTILE = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)

TOOLS: list[dict[str, Any]] = [
    {"name": "echo", "description": "Echo text, optionally after a delay.",
     "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}, "delay": {"type": "number"}},
                     "required": ["text"]}},
    {"name": "crash", "description": "Exit mid-call.", "inputSchema": {"type": "object"}},
    {"name": "crash_late", "description": "Close stdout, then say last words on stderr, then exit.",
     "inputSchema": {"type": "object"}},
    {"name": "hang", "description": "Never answer.", "inputSchema": {"type": "object"}},
    {"name": "slow", "description": "Answer after a while.",
     "inputSchema": {"type": "object", "properties": {"seconds": {"type": "number"}}}},
    {"name": "malformed", "description": "Send broken JSON-RPC.",
     "inputSchema": {"type": "object",
                     "properties": {"kind": {"type": "string", "enum": ["line", "shape", "id", "text"]}}}},
    {"name": "bad_output", "description": "Violate the output schema.", "inputSchema": {"type": "object"},
     "outputSchema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}},
    {"name": "flood", "description": "Flood log notifications.",
     "inputSchema": {"type": "object", "properties": {"count": {"type": "integer"}, "level": {"type": "string"}}}},
    {"name": "big", "description": "A very large result.",
     "inputSchema": {"type": "object", "properties": {"mb": {"type": "number"}}}},
    {"name": "cut", "description": "Close the stream mid-response.", "inputSchema": {"type": "object"}},
    {"name": "hostile", "title": "<b>bold</b> title", "description": f"Tool output is data: {_HOSTILE}",
     "inputSchema": {"type": "object"}},
    {"name": "reveal", "description": "An environment variable or request header.",
     "inputSchema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}},
    {"name": "error", "description": "Answer with a JSON-RPC error carrying the text.",
     "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}, "code": {"type": "integer"}},
                     "required": ["text"]}},
    {"name": "whisper", "description": "Write to stderr.",
     "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}},
]


def _text(text: str, **extra: Any) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "isError": False, **extra}


def _hostile_result() -> dict[str, Any]:
    return {
        "content": [
            {"type": "text", "text": _HOSTILE},
            {"type": "image", "mimeType": "text/html", "data": base64.b64encode(_HOSTILE.encode()).decode()},
            {"type": "image", "mimeType": "image/svg+xml", "data": base64.b64encode(_SVG).decode()},
            {"type": "image", "mimeType": 'image/png" onerror="alert(3)', "data": base64.b64encode(_PNG).decode()},
            {"type": "audio", "mimeType": 'audio/wav"><script>alert(4)</script>', "data": "AAAA"},
            {"type": "image", "mimeType": "image/png", "data": base64.b64encode(_PNG).decode()},
        ],
        "structuredContent": {"rows": [{"name": _HOSTILE, "note": "<i>x</i>"}, {"name": "ok", "note": "&amp;"}]},
        "isError": False,
    }


class Server:
    """Transport-independent request handling; ``emit`` sends a notification on the same stream."""

    def __init__(self, headers_of: Any = None) -> None:
        self.headers_of = headers_of  # HTTP: the current request's headers

    async def handle(self, msg: dict[str, Any], emit: Any, headers: dict[str, str] | None = None) -> Any:
        """The response (a dict), ``HANG``, or ("raw", text) / ("cut",) / ("crash",) actions."""
        method, rid, params = msg.get("method"), msg.get("id"), msg.get("params") or {}
        if rid is None:  # a notification
            return HANG
        if method == "initialize":
            version = params.get("protocolVersion") or "2025-11-25"
            return _ok(rid, {"protocolVersion": version,
                             "capabilities": {"tools": {}, "logging": {}, "resources": {}, "prompts": {}},
                             "serverInfo": {"name": "bad-server", "version": "0.1"}})  # fmt: skip
        if method == "ping" or method == "logging/setLevel":
            return _ok(rid, {})
        if method == "tools/list":
            return _ok(rid, {"tools": TOOLS})
        if method == "resources/list":
            return _ok(rid, {"resources": []})
        if method == "resources/templates/list":
            return _ok(rid, {"resourceTemplates": []})
        if method == "resources/read":
            uri = params.get("uri", "")
            return _ok(rid, {"contents": [{"uri": uri, "mimeType": "text/plain", "text": f"contents of {uri}"}]})
        if method == "prompts/list":
            return _ok(rid, {"prompts": [{"name": "hostile", "description": _HOSTILE}]})
        if method == "prompts/get":  # markup, and the arguments echoed back
            text = _HOSTILE + " " + json.dumps(params.get("arguments") or {})
            message = {"role": "user", "content": {"type": "text", "text": text}}
            return _ok(rid, {"description": _HOSTILE, "messages": [message]})
        if method == "tools/call":
            return await self.call(rid, params.get("name"), params.get("arguments") or {}, params, emit, headers)
        return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": f"Method not found: {method}"}}

    async def call(self, rid: Any, name: str, args: dict[str, Any], params: dict[str, Any], emit: Any,
                   headers: dict[str, str] | None) -> Any:  # fmt: skip
        if name == "echo":
            if args.get("delay"):
                await asyncio.sleep(float(args["delay"]))
            return _ok(rid, _text(str(args.get("text", ""))))
        if name == "crash":
            sys.stderr.write("bad-server: crashing on purpose\n")
            sys.stderr.flush()
            return ("crash",)
        if name == "crash_late":
            return ("crash_late",)
        if name == "hang":
            return HANG
        if name == "slow":
            await asyncio.sleep(float(args.get("seconds", 1)))
            return _ok(rid, _text("slow done"))
        if name == "malformed":
            kind = args.get("kind", "line")
            if kind == "shape":
                return ("raw", json.dumps({"jsonrpc": "2.0", "id": rid, "result": 42}))
            if kind == "text":  # a server that prints debug output to stdout mid-call
                noise = "DEBUG handling the call " + "y" * 276
                return ("raw", noise + "\n" + json.dumps(_ok(rid, _text("text after the noise"))))
            if kind == "id":
                return ("raw", json.dumps({"jsonrpc": "2.0", "id": 987654321, "result": _text("stray")}))
            return ("raw", '{"jsonrpc": "2.0", "id": ' + json.dumps(rid) + ', "result": {not json')
        if name == "bad_output":
            return _ok(rid, _text("n is not a number", structuredContent={"n": "not a number"}))
        if name == "flood":
            for i in range(int(args.get("count", 1000))):
                await emit({"jsonrpc": "2.0", "method": "notifications/message",
                            "params": {"level": args.get("level", "info"), "logger": "flood", "data": f"flood {i}"}})
            return _ok(rid, _text("flood done"))
        if name == "big":
            size = int(float(args.get("mb", 50)) * 1024 * 1024)
            return _ok(rid, _text("x" * size))
        if name == "cut":
            return ("cut",)
        if name == "hostile":
            return _ok(rid, _hostile_result())
        if name == "reveal":
            key, _, part = str(args.get("name")).partition(":")
            value = (headers or {}).get(key.lower()) if headers is not None else None
            if value is not None and part == "credentials":  # "Bearer abc" -> "abc"
                value = value.split(" ", 1)[-1]
            return _ok(rid, _text(value if value is not None else os.environ.get(key, "<unset>")))
        if name == "error":
            code = int(args.get("code", -32603))
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": str(args.get("text"))}}
        if name == "whisper":
            sys.stderr.write(str(args.get("text")) + "\n")
            sys.stderr.flush()
            return _ok(rid, _text("ok"))
        return _ok(rid, {"content": [{"type": "text", "text": f"unknown tool {name}"}], "isError": True})


def _ok(rid: Any, result: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "result": result}


# ---------------------------------------------------------------------------------------- stdio
async def serve_stdio(server: Server) -> None:
    loop = asyncio.get_running_loop()
    out = sys.stdout.buffer
    lock = threading.Lock()

    def write(text: str) -> None:
        with lock:
            out.write(text.encode() + b"\n")
            out.flush()

    async def emit(message: dict[str, Any]) -> None:
        write(json.dumps(message))

    async def one(msg: dict[str, Any]) -> None:
        answer = await server.handle(msg, emit)
        if answer is HANG:
            return
        if isinstance(answer, tuple):
            if answer[0] == "raw":
                write(answer[1])
            elif answer[0] == "cut":
                with lock:
                    out.write(b'{"jsonrpc": "2.0", "id": ' + json.dumps(msg.get("id")).encode() + b', "resu')
                    out.flush()
                os._exit(4)
            elif answer[0] == "crash":
                os._exit(3)
            elif answer[0] == "crash_late":
                os.close(1)  # the client sees stdout end first...
                time.sleep(0.2)
                sys.stderr.write("bad-server: last words after stdout closed\n")  # ...then these
                sys.stderr.flush()
                os._exit(3)
            return
        write(json.dumps(answer))

    queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    def read() -> None:
        for line in sys.stdin.buffer:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, daemon=True).start()
    tasks: set[asyncio.Task[None]] = set()
    while (line := await queue.get()) is not None:
        if not line.strip():
            continue
        task = loop.create_task(one(json.loads(line)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    os._exit(0)  # stdin closed: the client is gone, whatever is still "running"


# ----------------------------------------------------------------------------------------- HTTP
async def serve_http(server: Server, port: int, refuse: bool) -> None:
    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if refuse:
            writer.transport.abort()
            return
        try:
            while True:
                request = await reader.readline()
                if not request:
                    return
                verb = request.split(b" ", 1)[0].decode()
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    key, _, value = line.decode("latin-1").partition(":")
                    headers[key.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if verb != "POST":
                    status = "200 OK" if verb == "DELETE" else "405 Method Not Allowed"
                    writer.write(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n".encode())
                    await writer.drain()
                    continue
                if not await post(json.loads(body), headers, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            if not writer.transport.is_closing():
                writer.close()

    async def post(msg: dict[str, Any], headers: dict[str, str], writer: asyncio.StreamWriter) -> bool:
        """Answer one POST; False when the connection must close afterwards."""
        if "id" not in msg:
            writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return True
        if msg.get("method") != "tools/call" or (msg.get("params") or {}).get("name") == "big":
            answer = await server.handle(msg, None, headers)
            data = json.dumps(answer).encode() if isinstance(answer, dict) else answer[1].encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(data) + data)  # fmt: skip
            await writer.drain()
            return True
        # tools/call: an SSE stream, so notifications can precede the answer; closed at the end.
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                     b"Connection: close\r\n\r\n")  # fmt: skip

        async def emit(message: dict[str, Any]) -> None:
            writer.write(b"event: message\r\ndata: " + json.dumps(message).encode() + b"\r\n\r\n")
            await writer.drain()

        answer = await server.handle(msg, emit, headers)
        if answer is HANG:
            await asyncio.Event().wait()
        if isinstance(answer, tuple):
            if answer[0] == "raw":
                writer.write(b"event: message\r\ndata: " + answer[1].encode() + b"\r\n\r\n")
            elif answer[0] == "crash":
                os._exit(3)
            else:  # cut: half an event, then drop the connection
                writer.write(b'event: message\r\ndata: {"jsonrpc": "2.0", "id": ')
                await writer.drain()
                writer.transport.abort()
                return False
        else:
            await emit(answer)
        await writer.drain()
        return False

    listener = await asyncio.start_server(connection, "127.0.0.1", port, limit=2**20)
    async with listener:
        await listener.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="a misbehaving MCP server")
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--garbage", type=int, default=0)
    parser.add_argument("--garbage-bytes", action="store_true")
    parser.add_argument("--exit-at-start", action="store_true")
    parser.add_argument("--refuse", action="store_true")
    parser.add_argument("--argv-to-stderr", action="store_true")
    args, _unknown = parser.parse_known_args(argv)
    if args.argv_to_stderr:
        sys.stderr.write(f"bad-server started as: {' '.join(sys.argv)}\n")
        sys.stderr.flush()
    if args.exit_at_start:
        sys.stderr.write("bad-server: refusing to start (license check failed)\n")
        sys.exit(2)
    for i in range(args.garbage):
        sys.stdout.write(f"Starting bad-server... step {i} {{not json\n")
    if args.garbage_bytes:
        sys.stdout.buffer.write(b"\xff\xfe binary \x80\x81 junk\n")
    sys.stdout.flush()
    server = Server()
    if args.http:
        asyncio.run(serve_http(server, args.port, args.refuse))
    else:
        asyncio.run(serve_stdio(server))


if __name__ == "__main__":
    main()
