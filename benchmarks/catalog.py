"""Catalog benchmark: 100 servers x 100 tools, search latency and DataFrame build time.

    python benchmarks/catalog.py            # SQLite; PostgreSQL too when MCP_WORKBENCH_TEST_PG is set

Targets (issue 3): search p50 <= 20 ms; a DataFrame of 10,000 tools <= 100 ms.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from mcp_workbench.catalog.repository import SQLiteRepository, SQLRepository  # noqa: E402

SERVERS, TOOLS, QUERIES = 100, 100, 200
WORDS = ("read write list search create delete update file issue commit branch user repo page "
         "table query index image text audio time zone weather price order invoice email event "
         "calendar note task project metric log trace alert").split()
COLUMNS = ["server", "name", "title", "description", "category", "status", "calls", "p50_ms",
           "last_used", "read_only", "destructive"]


def listing(rng: random.Random, server: int) -> list[dict]:
    tools = []
    for t in range(TOOLS):
        verb, noun, extra = rng.choice(WORDS), rng.choice(WORDS), rng.sample(WORDS, 6)
        tools.append({
            "name": f"{verb}_{noun}_{t}",
            "title": f"{verb.title()} {noun}",
            "description": f"{verb.title()} a {noun} in server {server}: " + " ".join(extra),
            "inputSchema": {"type": "object", "required": [noun],
                            "properties": {noun: {"type": "string", "description": f"the {noun}"},
                                           "limit": {"type": "integer", "minimum": 1}}},
            "annotations": {"readOnlyHint": verb in ("read", "list", "search")},
        })
    return tools


def frame(repo: SQLRepository, page_size: int) -> pd.DataFrame:
    """What ``wb.tools()`` does: walk the list pages and build one DataFrame."""
    rows, cursor = [], None
    while True:
        page = repo.list(cursor=cursor, limit=page_size, kind="tool")
        rows += [(t.server, t.name, t.title, t.description, t.category, t.status, t.usage_count,
                  t.latency.p50_ms, t.last_used_at, t.read_only, t.destructive) for t in page.items]
        if not page.has_more:
            return pd.DataFrame.from_records(rows, columns=COLUMNS)
        cursor = page.next_cursor


def timed(fn: Callable[[], object], repeat: int = 1) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def run(name: str, repo: SQLRepository) -> dict[str, object]:
    rng = random.Random(7)
    start = time.perf_counter()
    for s in range(SERVERS):
        repo.sync_listing(f"server{s:03d}", "tool", listing(rng, s))
    load_s = time.perf_counter() - start
    repo.record_calls([{"server": f"server{rng.randrange(SERVERS):03d}", "tool": "x",
                        "duration_ms": 1.0} for _ in range(100)])
    queries = [" ".join(rng.sample(WORDS, rng.choice((1, 2)))) for _ in range(QUERIES)]
    hits = []
    search_ms = []
    for q in queries:
        search_ms += timed(lambda q=q: hits.append(len(repo.search(q, limit=50))))
    filtered = timed(lambda: repo.search("read file", server="server042", read_only=True), 50)
    df = frame(repo, 1000)
    assert len(df) == SERVERS * TOOLS, len(df)
    return {
        "backend": name,
        "catalogue 10k (s)": round(load_s, 2),
        "search p50 (ms)": round(statistics.median(search_ms), 2),
        "search p95 (ms)": round(pct(search_ms, 0.95), 2),
        "filtered p50 (ms)": round(statistics.median(filtered), 2),
        "mean hits": round(statistics.mean(hits), 1),
        "DataFrame 10k, pages of 1000 (ms)": round(min(timed(lambda: frame(repo, 1000), 5)), 1),
        "DataFrame 10k, pages of 50 (ms)": round(min(timed(lambda: frame(repo, 50), 3)), 1),
    }


@contextmanager
def sqlite_store() -> Iterator[SQLRepository]:
    with tempfile.TemporaryDirectory() as tmp:
        repo = SQLiteRepository(Path(tmp) / "catalog.sqlite")
        try:
            yield repo
        finally:
            repo.close()


@contextmanager
def postgres_store(dsn: str) -> Iterator[SQLRepository]:
    import psycopg

    from mcp_workbench.catalog.repository.postgres import PostgresRepository

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    repo = PostgresRepository(dsn, schema=schema)
    try:
        yield repo
    finally:
        repo.close()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    results = []
    with sqlite_store() as repo:
        results.append(run("sqlite", repo))
    dsn = os.environ.get("MCP_WORKBENCH_TEST_PG")
    if dsn:
        with postgres_store(dsn) as repo:
            results.append(run("postgresql", repo))
    else:
        print("(PostgreSQL skipped: set MCP_WORKBENCH_TEST_PG, e.g. $(bash .ci/postgres.sh))")
    table = pd.DataFrame(results).set_index("backend").T
    print(f"{SERVERS} servers x {TOOLS} tools, {QUERIES} searches "
          "(targets: search p50 <= 20 ms, DataFrame of 10,000 <= 100 ms)")
    print(table.to_string())


if __name__ == "__main__":
    main()
