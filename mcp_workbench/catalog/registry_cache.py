"""The catalog as the MCP Registry's cache (``core.mcp_registry.RegistryCache``): what was
fetched, from which registry and when, so searches show their age and work offline."""

from __future__ import annotations

from ..core.mcp_registry import RegistryEntry
from .repository import SQLRepository


class CatalogRegistryCache:
    """Registry entries kept in the catalog's ``registry_entries`` table."""

    def __init__(self, repo: SQLRepository) -> None:
        self.repo = repo

    def save(self, registry: str, entries: list[RegistryEntry]) -> None:
        by_time: dict[float | None, list[RegistryEntry]] = {}
        for entry in entries:
            by_time.setdefault(entry.fetched_at, []).append(entry)
        for fetched_at, group in by_time.items():
            self.repo.save_registry_entries(registry, [e.to_response() for e in group], fetched_at)

    def load(self, registry: str, *, search: str | None = None, name: str | None = None,
             version: str | None = None) -> list[RegistryEntry]:  # fmt: skip
        rows = self.repo.registry_entries(registry, search=search, name=name, version=version)
        return [RegistryEntry.from_response(row["entry"], row["fetched_at"]) for row in rows]
