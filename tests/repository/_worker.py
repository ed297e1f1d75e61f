"""A separate process for the reliability tests (run as ``python -m tests.repository._worker``).

    increment STORE... ROWS N   do N increments of meta.counter spread over ROWS items,
                                each read-then-update with expected_version, retried on conflict
    churn STORE...              write forever (until killed), printing "ready" once started
"""

from __future__ import annotations

import sys

from mcp_workbench.errors import ConflictError
from mcp_workbench.catalog.repository import SQLiteRepository, SQLRepository, StoredCall


def open_store(args: list[str]) -> tuple[SQLRepository, list[str]]:
    if args[0] == "sqlite":
        return SQLiteRepository(args[1]), args[2:]
    from mcp_workbench.catalog.repository.postgres import PostgresRepository

    return PostgresRepository(args[1], schema=args[2] or None), args[3:]


def increment(repo: SQLRepository, rows: int, n: int) -> None:
    conflicts = 0
    for i in range(n):
        item_id = f"race:tool:t{i % rows}"
        while True:
            item = repo.get(item_id)
            assert item is not None
            meta = dict(item.meta)
            meta["counter"] = meta.get("counter", 0) + 1
            try:
                repo.update(item_id, {"meta": meta}, expected_version=item.version)
                break
            except ConflictError:
                conflicts += 1
    print(f"conflicts={conflicts}", flush=True)


def churn(repo: SQLRepository) -> None:
    i = 0
    while True:
        repo.sync_listing("churn", "tool", [{"name": f"t{j}", "description": f"round {i}",
                                             "inputSchema": {"i": i}} for j in range(20)])
        repo.record_calls([StoredCall("churn", f"t{j}", duration_ms=float(j)) for j in range(50)])
        if i == 0:
            print("ready", flush=True)
        i += 1


def main() -> None:
    command, *rest = sys.argv[1:]
    repo, rest = open_store(rest)
    if command == "increment":
        increment(repo, int(rest[0]), int(rest[1]))
    elif command == "churn":
        churn(repo)
    repo.close()


if __name__ == "__main__":
    main()
