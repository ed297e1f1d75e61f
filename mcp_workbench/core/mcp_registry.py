"""The MCP Registry: find published servers (``server.json``) and connect one by its name.

The official registry (and private ones speaking its API) answer ``GET /v0.1/servers`` (search,
cursor pages, ``version=latest``) and ``GET /v0.1/servers/{name}/versions/{version}``. Why here
in core: it is network I/O, nothing outer (``registry_spec`` turns a server.json into connect
options, ``registry_service`` is the Workbench's part). Not to be confused with ``core.registry``
(the live servers of this kernel, by name).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from ..errors import WorkbenchError

DEFAULT_REGISTRY_URL = "https://registry.modelcontextprotocol.io"
REGISTRY_URL_ENV = "MCP_WORKBENCH_REGISTRY_URL"
API_PREFIX = "/v0.1"
OFFICIAL_META = "io.modelcontextprotocol.registry/official"
PAGE_LIMIT = 100  # servers asked for per page
MAX_PAGES = 200  # a registry whose cursor never ends must not hang a cell


class RegistryError(WorkbenchError):
    """The registry could not be reached, or answered with an error."""


def registry_url(value: str | None = None) -> str:
    """The registry's base URL: ``value``, else ``$MCP_WORKBENCH_REGISTRY_URL``, else the official one."""
    url = (value or os.environ.get(REGISTRY_URL_ENV) or DEFAULT_REGISTRY_URL).strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise RegistryError(f"registry URL must start with http:// or https://, got {url!r}")
    return url.removesuffix(API_PREFIX)


@dataclass(frozen=True)
class RegistryEntry:
    """One server version as the registry describes it (``server`` is the server.json)."""

    server: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)  # the response's _meta (registry-managed)
    fetched_at: float | None = None

    @classmethod
    def from_response(cls, item: Any, fetched_at: float | None = None) -> RegistryEntry:
        if not isinstance(item, dict) or not isinstance(item.get("server"), dict):
            raise RegistryError("the registry answered with an entry that has no 'server' object")
        return cls(item["server"], item.get("_meta") or {}, fetched_at)

    @property
    def name(self) -> str:
        return str(self.server.get("name") or "")

    @property
    def version(self) -> str:
        return str(self.server.get("version") or "")

    @property
    def official(self) -> dict[str, Any]:
        return self.meta.get(OFFICIAL_META) or {}

    def to_response(self) -> dict[str, Any]:
        """As the registry sent it (what the cache stores)."""
        return {"server": self.server, "_meta": self.meta}

    def row(self) -> dict[str, Any]:
        """The listing's columns."""
        packages = [f"{p.get('registryType')}:{p.get('identifier')}" + (f"@{p['version']}" if p.get("version") else "")
                    for p in self.server.get("packages") or [] if isinstance(p, dict)]  # fmt: skip
        remotes = [f"{r.get('type')} {r.get('url')}" for r in self.server.get("remotes") or [] if isinstance(r, dict)]
        repository = self.server.get("repository") or {}
        return {
            "name": self.name, "title": self.server.get("title"), "description": self.server.get("description"),
            "version": self.version, "packages": packages, "remotes": remotes,
            "repository": repository.get("url") if isinstance(repository, dict) else None,
            "status": self.official.get("status"), "published_at": _timestamp(self.official.get("publishedAt")),
            "fetched_at": dt.datetime.fromtimestamp(self.fetched_at, dt.UTC) if self.fetched_at else None,
        }  # fmt: skip


class RegistryCache(Protocol):
    """Where fetched entries are kept (the catalog implements it)."""

    def save(self, registry: str, entries: list[RegistryEntry]) -> None: ...

    def load(self, registry: str, *, search: str | None = None, name: str | None = None,
             version: str | None = None) -> list[RegistryEntry]: ...  # fmt: skip


class RegistryClient:
    """The registry's read API over HTTP (async: it runs on the engine loop like every request)."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = registry_url(base_url)
        self.timeout = timeout

    async def search(self, query: str | None = None, *, version: str = "latest") -> list[RegistryEntry]:
        """Every page of ``GET /v0.1/servers?search=...``, following ``metadata.nextCursor``."""
        entries: list[RegistryEntry] = []
        cursor: str | None = None
        async with self._client() as http:
            for _ in range(MAX_PAGES):
                params = {"limit": str(PAGE_LIMIT), "version": version}
                if query:
                    params["search"] = query
                if cursor:
                    params["cursor"] = cursor
                body = await self._get(http, f"{API_PREFIX}/servers", params)
                now = time.time()
                servers = body.get("servers") if isinstance(body, dict) else None
                if not isinstance(servers, list):
                    raise RegistryError(f"{self.base_url}: the server list has no 'servers' array")
                entries.extend(RegistryEntry.from_response(item, now) for item in servers)
                cursor = (body.get("metadata") or {}).get("nextCursor")
                if not cursor or not servers:
                    break
        return entries

    async def get(self, name: str, version: str = "latest") -> RegistryEntry:
        """``GET /v0.1/servers/{name}/versions/{version}`` (the name and version URL-encoded)."""
        path = f"{API_PREFIX}/servers/{quote(name, safe='')}/versions/{quote(version, safe='')}"
        async with self._client() as http:
            body = await self._get(http, path, {}, missing=f"no server {name!r} (version {version}) in the registry "
                                   f"at {self.base_url}; look it up with wb.registry_search({name.split('/')[-1]!r})")  # fmt: skip
        return RegistryEntry.from_response(body, time.time())

    def _client(self) -> Any:
        import httpx2

        from .transports import _ssl_context

        return httpx2.AsyncClient(base_url=self.base_url, timeout=self.timeout, verify=_ssl_context(),
                                  headers={"Accept": "application/json"})  # fmt: skip

    async def _get(self, http: Any, path: str, params: dict[str, str], missing: str | None = None) -> Any:
        import httpx2

        try:
            response = await http.get(path, params=params)
        except httpx2.HTTPError as exc:
            raise RegistryError(
                f"could not reach the MCP registry at {self.base_url} ({type(exc).__name__}: {exc}); "
                f"use another with %config McpWorkbench.registry_url or ${REGISTRY_URL_ENV}, or cached=True"
            ) from None
        if response.status_code == 404 and missing:
            raise RegistryError(missing)
        if response.status_code >= 400:
            try:
                detail = response.json().get("error") or response.json().get("detail") or response.text
            except ValueError:
                detail = response.text
            raise RegistryError(f"{self.base_url}{path}: HTTP {response.status_code}: {str(detail)[:200]}")
        try:
            return response.json()
        except ValueError:
            raise RegistryError(f"{self.base_url}{path} did not answer with JSON") from None


def _timestamp(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
