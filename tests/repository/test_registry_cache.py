"""The MCP Registry cache in the catalog: entries as fetched, with their fetch time, on both backends."""

from __future__ import annotations

from mcp_workbench.catalog.registry_cache import CatalogRegistryCache
from mcp_workbench.catalog.repository import SQLRepository
from mcp_workbench.core.mcp_registry import RegistryEntry


def _entry(name: str, version: str, description: str = "") -> dict:
    return {"server": {"name": name, "version": version, "description": description},
            "_meta": {"io.modelcontextprotocol.registry/official": {"status": "active"}}}


def test_entries_are_kept_per_registry_newest_fetch_first(repo: SQLRepository) -> None:
    reg, other = "https://registry.example.test", "http://127.0.0.1:1"
    assert repo.save_registry_entries(reg, [_entry("io.a/one", "1.0.0"), _entry("io.a/two", "0.1.0")], 100.0) == 2
    repo.save_registry_entries(reg, [_entry("io.a/one", "1.1.0", "newer")], 200.0)
    repo.save_registry_entries(reg, [_entry("io.a/one", "1.0.0", "refetched")], 150.0)  # same key: refreshed
    repo.save_registry_entries(other, [_entry("io.b/three", "3.0.0")], 300.0)
    rows = repo.registry_entries(reg)
    assert [(r["entry"]["server"]["name"], r["entry"]["server"]["version"], r["fetched_at"]) for r in rows] == [
        ("io.a/one", "1.1.0", 200.0), ("io.a/two", "0.1.0", 100.0)]
    assert repo.registry_entries(reg, name="io.a/one", version="1.0.0")[0]["entry"]["server"]["description"] == "refetched"
    assert [r["entry"]["server"]["name"] for r in repo.registry_entries(reg, search="TWO")] == ["io.a/two"]
    assert repo.registry_entries(reg, search="three") == [] and len(repo.registry_entries(other)) == 1


def test_the_cache_round_trips_registry_entries(repo: SQLRepository) -> None:
    cache = CatalogRegistryCache(repo)
    entry = RegistryEntry.from_response(_entry("io.a/one", "2.0.0", "d"), 123.5)
    cache.save("r", [entry])
    (back,) = cache.load("r", name="io.a/one")
    assert back == entry and back.row()["fetched_at"].timestamp() == 123.5
