"""Several writers at once: processes racing on the same rows, threads sharing one repository,
and a process killed in the middle of a write."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from mcp_workbench.catalog.repository import SQLiteRepository

from .conftest import Store

ROOT = Path(__file__).resolve().parents[2]


def worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.repository._worker", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_lose_no_update(store: Store) -> None:
    repo = store.open()
    rows, per_process = 4, 1000
    for i in range(rows):
        repo.upsert({"server": "race", "name": f"t{i}"})
    procs = [worker("increment", *store.worker_args(), str(rows), str(per_process)) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    conflicts = sum(int(out.strip().split("=")[1]) for out, _ in outputs)
    print(f"{store.backend}: {conflicts} conflicts reported and retried")
    items = [repo.get(f"race:tool:t{i}") for i in range(rows)]
    assert [i.meta["counter"] for i in items] == [2 * per_process // rows] * rows
    assert sum(i.meta["counter"] for i in items) == 2000
    assert all(i.version == 1 + 2 * per_process // rows for i in items)


def test_threads_share_one_repository(repo: Any) -> None:
    repo.sync_listing("th", "tool", [{"name": f"t{i}"} for i in range(4)])
    errors: list[BaseException] = []

    def hammer(k: int) -> None:
        try:
            for i in range(50):
                repo.record_call("th", f"t{i % 4}", duration_ms=1.0)
                repo.search("t", server="th")
                repo.update(f"th:tool:t{k}", {"meta": {"i": i}})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(repo.get(f"th:tool:t{i}").usage_count for i in range(4)) == 200
    assert len(repo.history(limit=1000)) == 200


def test_killed_writer_leaves_a_sound_file(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    SQLiteRepository(path).close()
    for delay in (0.05, 0.3):  # two kills at different points of the write loop
        proc = worker("churn", "sqlite", str(path))
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
            time.sleep(delay)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        conn.close()
    repo = SQLiteRepository(path)
    assert len(repo.list(server="churn", limit=100)) == 20
    assert repo.history(limit=1)[0].server == "churn"
    repo.record_call("churn", "t0", duration_ms=1.0)  # and it takes writes again
    repo.close()
