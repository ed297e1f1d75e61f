"""A real loopback HTTP server that speaks the OpenAI chat-completions API, scripted turn by turn.

Tests drive it through the real ``openai`` client: each POST to ``/v1/chat/completions`` takes
the next scripted turn (FIFO) and answers it as server-sent events when the request asks for
``stream: true`` (with a usage chunk when ``stream_options.include_usage`` is set), else as one
JSON ``chat.completion``. Every request is recorded (headers and JSON body) for assertions.

    with OpenAIStub() as stub:
        stub.script(tool_calls(("demo__add", {"a": 1, "b": 2})), text("3"))
        chat = wb.chat(base_url=stub.url, api_key="sk-test", ...)
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Turn:
    """One scripted answer: text and/or tool calls, or an HTTP error. Call ids are
    ``call_<request number>_<index>``, unique within a test as the real API's are."""

    text: str = ""
    calls: list[tuple[str, str]] = field(default_factory=list)  # (name, raw JSON arguments)
    status: int = 200
    error: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    prompt_tokens: int = 11
    completion_tokens: int = 7
    chunk_size: int = 4  # characters of text per streamed chunk
    delay: float = 0.0  # seconds to wait before answering
    check: Callable[[dict[str, Any]], None] | None = None  # asserts on the request body
    usage: bool = True  # False: no token counts, as some OpenAI-compatible servers answer


def text(content: str, **options: Any) -> Turn:
    """A plain answer."""
    return Turn(text=content, **options)


def tool_calls(*calls: tuple[str, Any], content: str = "", **options: Any) -> Turn:
    """Tool calls; an argument that is a str is sent as is (malformed JSON on purpose)."""
    raw = [(name, args if isinstance(args, str) else json.dumps(args)) for name, args in calls]
    return Turn(text=content, calls=raw, **options)


def error(status: int, message: str, *, code: str | None = None, headers: dict[str, str] | None = None) -> Turn:
    """An HTTP error in OpenAI's error format."""
    body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}
    return Turn(status=status, error=body, headers=headers or {})


class OpenAIStub:
    """The scripted server; ``url`` is the ``base_url`` to give the client (``.../v1``)."""

    def __init__(self, api_key: str | None = "sk-test") -> None:
        self.api_key = api_key
        self.turns: deque[Turn] = deque()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []  # per request, names lower-cased
        self.unexpected: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="openai-stub", daemon=True
        )  # a short poll interval: shutdown() waits for it

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def script(self, *turns: Turn) -> OpenAIStub:
        with self._lock:
            self.turns.extend(turns)
        return self

    @property
    def remaining(self) -> int:
        return len(self.turns)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    # ------------------------------------------------------------------ serving
    def _next(self, body: dict[str, Any], headers: dict[str, str]) -> Turn | None:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            return self.turns.popleft() if self.turns else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.rstrip("/") != "/v1/chat/completions":
                    stub.unexpected.append(self.path)
                    return self._json(404, {"error": {"message": f"no route {self.path}"}})
                if stub.api_key and self.headers.get("Authorization") != f"Bearer {stub.api_key}":
                    wrong = {"message": "Incorrect API key provided", "code": "invalid_api_key"}
                    return self._json(401, {"error": wrong})
                turn = stub._next(body, {k.lower(): v for k, v in self.headers.items()})
                if turn is None:
                    stub.unexpected.append("a request beyond the script")
                    return self._json(500, {"error": {"message": "the stub has no scripted turn left"}})
                if turn.delay:
                    time.sleep(turn.delay)
                if turn.check is not None:
                    try:
                        turn.check(body)
                    except AssertionError as exc:  # seen by the test through `unexpected`
                        stub.unexpected.append(f"check failed: {exc}")
                if turn.status != 200:
                    return self._json(turn.status, turn.error or {}, turn.headers)
                if body.get("stream"):
                    usage = turn.usage and bool((body.get("stream_options") or {}).get("include_usage"))
                    return self._stream(body, turn, usage, len(stub.requests))
                return self._json(200, _completion(body, turn, len(stub.requests)))

            def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], turn: Turn, usage: bool, n: int) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in _chunks(body, turn, usage, n):
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        return Handler


def _usage(turn: Turn) -> dict[str, int]:
    total = turn.prompt_tokens + turn.completion_tokens
    return {"prompt_tokens": turn.prompt_tokens, "completion_tokens": turn.completion_tokens, "total_tokens": total}


def _completion(body: dict[str, Any], turn: Turn, n: int) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": turn.text or None}
    if turn.calls:
        message["tool_calls"] = [
            {"id": f"call_{n}_{i}", "type": "function", "function": {"name": name, "arguments": args}}
            for i, (name, args) in enumerate(turn.calls)
        ]
    return {
        "id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()),
        "model": body.get("model", "stub"),
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if turn.calls else "stop"}],
        "usage": _usage(turn) if turn.usage else None,
    }  # fmt: skip


def _chunks(body: dict[str, Any], turn: Turn, usage: bool, n: int) -> Iterator[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": body.get("model", "stub"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }  # fmt: skip

    yield chunk({"role": "assistant", "content": ""})
    for start in range(0, len(turn.text), turn.chunk_size):
        yield chunk({"content": turn.text[start : start + turn.chunk_size]})
    for i, (name, args) in enumerate(turn.calls):
        head = {"index": i, "id": f"call_{n}_{i}", "type": "function", "function": {"name": name, "arguments": ""}}
        yield chunk({"tool_calls": [head]})
        half = len(args) // 2  # arguments arrive in pieces, as from the real API
        for piece in (args[:half], args[half:]):
            yield chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
    yield chunk({}, "tool_calls" if turn.calls else "stop")
    if usage:
        yield {
            "id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": body.get("model", "stub"), "choices": [], "usage": _usage(turn),
        }  # fmt: skip
