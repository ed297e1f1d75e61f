"""A loopback MCP Registry for the tests, written from the registry's OpenAPI document (v0.1).

``GET /v0.1/servers?search=&cursor=&limit=&version=`` pages through the servers (an opaque
cursor in ``metadata.nextCursor``, ``search`` a substring of the name, ``version=latest`` the
newest version of each); ``GET /v0.1/servers/{name}/versions/{version}`` (URL-encoded name,
``latest`` allowed) answers one entry or 404 ``{"error": "Server not found"}``. Each entry is
``{"server": <server.json>, "_meta": {"io.modelcontextprotocol.registry/official": {...}}}``.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

OFFICIAL = "io.modelcontextprotocol.registry/official"
MAX_LIMIT = 100


def entry(server: dict[str, Any], *, latest: bool = True, published: str = "2026-01-15T10:30:00Z") -> dict[str, Any]:
    """A ServerResponse: the server.json and the registry's own metadata."""
    server = {"$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json", **server}
    meta = {"status": "active", "publishedAt": published, "updatedAt": published, "isLatest": latest}
    return {"server": server, "_meta": {OFFICIAL: meta}}


class Registry:
    """The entries served, and the requests seen (path and query), for assertions."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.entries = entries
        self.requests: list[tuple[str, dict[str, list[str]]]] = []

    def page(self, query: dict[str, list[str]]) -> dict[str, Any]:
        search = (query.get("search") or [""])[0].lower()
        version = (query.get("version") or [""])[0]
        limit = min(int((query.get("limit") or [str(MAX_LIMIT)])[0]), MAX_LIMIT)
        found = [e for e in self.entries if search in e["server"]["name"].lower()]
        if version == "latest":
            found = [e for e in found if e["_meta"][OFFICIAL]["isLatest"]]
        elif version:
            found = [e for e in found if e["server"]["version"] == version]
        cursor = (query.get("cursor") or [None])[0]
        start = int(base64.urlsafe_b64decode(cursor).decode()) if cursor else 0
        chunk = found[start : start + limit]
        metadata: dict[str, Any] = {"count": len(chunk)}
        if start + limit < len(found):
            metadata["nextCursor"] = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
        return {"servers": chunk, "metadata": metadata}

    def one(self, name: str, version: str) -> dict[str, Any] | None:
        for e in self.entries:
            if e["server"]["name"] == name and (
                e["server"]["version"] == version or (version == "latest" and e["_meta"][OFFICIAL]["isLatest"])
            ):
                return e
        return None


@contextmanager
def registry_server(entries: list[dict[str, Any]]) -> Iterator[tuple[str, Registry]]:
    """Serve ``entries`` on 127.0.0.1 (a free port); yields (base URL, the Registry)."""
    registry = Registry(entries)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            registry.requests.append((parts.path, query))
            segments = parts.path.split("/")  # "", "v0.1", "servers", NAME, "versions", VERSION
            if parts.path == "/v0.1/servers":
                self._answer(200, registry.page(query))
            elif len(segments) == 6 and segments[:3] == ["", "v0.1", "servers"] and segments[4] == "versions":
                found = registry.one(unquote(segments[3]), unquote(segments[5]))
                self._answer(200, found) if found else self._answer(404, {"error": "Server not found"})
            else:
                self._answer(404, {"error": "Not found"})

        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", registry
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
