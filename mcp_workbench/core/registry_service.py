"""``RegistryService``: the Workbench's MCP Registry part: search, fetch, and connect by name.

Fetches run on the engine loop (sync twins block on it, async twins await it); what comes back
is handed to the cache (the catalog, with its fetch time), which also serves ``cached=True``.
Connecting builds the options from the server.json (``registry_spec``) and goes through the
service's ordinary ``connect``, so a registry server is like any other afterwards.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .mcp_registry import RegistryCache, RegistryClient, RegistryEntry, RegistryError, registry_url
from .registry_spec import connect_options

if TYPE_CHECKING:
    from .service import ConnectInfo, ServerService


@dataclass(frozen=True, kw_only=True)
class RegistryOptions:
    """What ``connect_registry`` takes besides the server's registry name (see the Workbench)."""

    name: str | None = None
    version: str = "latest"
    use: str | None = None
    env: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None
    variables: Mapping[str, str] | None = None
    arguments: Mapping[str, str] | None = None
    cwd: str | os.PathLike[str] | None = None
    timeout: float | None = None
    connect_timeout: float | None = None
    cached: bool = False

    @classmethod
    def of(cls, given: dict[str, Any]) -> RegistryOptions:
        """From a ``connect_registry`` call's locals (its own parameters, nothing else)."""
        return cls(**{f.name: given[f.name] for f in dataclasses.fields(cls)})


class RegistryService:
    """Lookups in one registry (``url``), with the cache beside them, and connects through ``service``."""

    def __init__(self, service: ServerService, cache: Callable[[], RegistryCache | None], url: str | None = None) -> None:
        self._service = service
        self._cache = cache
        self.url = registry_url(url)

    def set_url(self, url: str | None) -> None:
        """Another registry (None or "": ``$MCP_WORKBENCH_REGISTRY_URL``, else the official one)."""
        self.url = registry_url(url or None)

    # ------------------------------------------------------------------ search
    def search(self, query: str | None = None, *, cached: bool = False) -> list[RegistryEntry]:
        return self._service.engine.run(self._search(query, cached))

    async def asearch(self, query: str | None = None, *, cached: bool = False) -> list[RegistryEntry]:
        return await self._service.engine.arun(self._search(query, cached))

    async def _search(self, query: str | None, cached: bool) -> list[RegistryEntry]:
        cache = self._cache()
        if cached:
            return self._cached(cache, search=query)
        entries = await RegistryClient(self.url).search(query)
        if cache is not None:
            cache.save(self.url, entries)
        return entries

    async def _get(self, name: str, version: str, cached: bool) -> RegistryEntry:
        if not isinstance(name, str) or "/" not in name:
            raise RegistryError(f"registry names look like 'io.github.owner/server', got {name!r}")
        cache = self._cache()
        if cached:
            found = self._cached(cache, name=name, version=None if version == "latest" else version)
            if not found:
                raise RegistryError(f"no cached registry entry for {name!r}: fetch it once without cached=True")
            return found[0]
        entry = await RegistryClient(self.url).get(name, version)
        if cache is not None:
            cache.save(self.url, [entry])
        return entry

    def _cached(self, cache: RegistryCache | None, **query: Any) -> list[RegistryEntry]:
        if cache is None:
            raise RegistryError("cached=True needs the catalog (this workbench has store=False)")
        return cache.load(self.url, **query)

    # ------------------------------------------------------------------ connect
    def connect(self, server: str, options: RegistryOptions) -> ConnectInfo:
        name, connect = self._service.engine.run(self._resolve(server, options))
        return self._service.connect(name, connect)

    async def aconnect(self, server: str, options: RegistryOptions) -> ConnectInfo:
        name, connect = await self._service.engine.arun(self._resolve(server, options))
        return await self._service.aconnect(name, connect)

    async def _resolve(self, server: str, o: RegistryOptions) -> tuple[str, Any]:
        """The local name and the ``ConnectOptions`` for registry server ``server``."""
        from .service import ConnectOptions

        def plain(mapping: Mapping[str, str] | None) -> dict[str, str] | None:
            return dict(mapping) if mapping is not None else None

        entry = await self._get(server, o.version or "latest", o.cached)
        built = connect_options(entry, use=o.use, env=plain(o.env), headers=plain(o.headers),
                                variables=plain(o.variables), arguments=plain(o.arguments),
                                cwd=os.fspath(o.cwd) if o.cwd is not None else None)  # fmt: skip
        timeouts = {k: v for k, v in (("timeout", o.timeout), ("connect_timeout", o.connect_timeout)) if v is not None}
        return o.name or local_name(entry.name), ConnectOptions(**built, **timeouts)


def local_name(registry_name: str) -> str:
    """``io.github.example/weather`` -> ``weather``: what the server is called here (``server.tool``)."""
    tail = re.sub(r"[^A-Za-z0-9_-]+", "_", registry_name.rsplit("/", 1)[-1]).strip("_-")
    return tail if tail[:1].isalpha() or tail[:1] == "_" else f"s_{tail}"
