"""Load and lifecycle: many concurrent calls from many threads, many connect/disconnect cycles,
and a kernel (or interpreter) that goes away in the middle of calls."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from mcp_workbench import Workbench
from tests.faults.harness import BAD_ARGS, BAD_SERVER, Baseline
from tests.servers import DEMO_ARGS, ROOT, SUB_ENV, wait_until
from tests.test_core_lifecycle import _alive

CALLS = 200
THREADS = 8


@pytest.fixture(scope="module")
def five(bench: Workbench, bad_http_url: str) -> Iterator[list[str]]:
    """Five servers on ``bench``: the demo over HTTP (``healthy``) and over stdio, the bad
    server twice over stdio and once over HTTP (its echo answers after a random delay)."""
    bench.connect("demo_stdio", command="python", args=DEMO_ARGS)
    bench.connect("bad1", command="python", args=BAD_ARGS)
    bench.connect("bad2", command="python", args=BAD_ARGS)
    bench.connect("badweb", url=bad_http_url)
    yield ["healthy", "demo_stdio", "bad1", "bad2", "badweb"]
    for name in ("demo_stdio", "bad1", "bad2", "badweb"):
        bench.disconnect(name)


def test_200_concurrent_calls_across_5_servers_from_8_threads(bench: Workbench, five: list[str]) -> None:
    """Each call echoes a unique token: every caller gets its own answer, none lost or swapped."""
    plan: list[list[tuple[str, str]]] = [[] for _ in range(THREADS)]
    for i in range(CALLS):
        plan[i % THREADS].append((five[i % len(five)], f"t{i % THREADS}-{i}-{uuid.uuid4().hex}"))
    answers: dict[str, str] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def arguments(server: str, token: str) -> dict[str, Any]:
        return {"text": token, "delay": random.uniform(0, 0.02)} if server.startswith("bad") else {"text": token}

    def record(token: str, text: str) -> None:
        with lock:
            assert token not in answers
            answers[token] = text

    def sync_worker(calls: list[tuple[str, str]]) -> None:
        try:
            for server, token in calls:
                record(token, bench.call(f"{server}.echo", arguments(server, token), timeout=30).text)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def async_worker(calls: list[tuple[str, str]]) -> None:
        async def one(server: str, token: str) -> None:
            record(token, (await bench.acall(f"{server}.echo", arguments(server, token), timeout=30)).text)

        async def all_at_once() -> None:
            await asyncio.gather(*(one(server, token) for server, token in calls))

        try:
            asyncio.run(all_at_once())
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    before = bench.stats()["calls"]
    workers = [threading.Thread(target=sync_worker if n % 2 else async_worker, args=(plan[n],)) for n in range(THREADS)]
    start = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    took = time.monotonic() - start
    assert not errors, errors[:3]
    assert len(answers) == CALLS
    swapped = {token: text for token, text in answers.items() if token != text}
    assert not swapped, list(swapped.items())[:3]
    assert took < 30
    # History has every call once, each with its own answer.
    assert bench.stats()["calls"] - before == CALLS
    stored = bench.catalog_sync.repo.history(limit=CALLS)  # flushed by stats()
    tokens = {r.arguments["text"]: r for r in stored if r.tool == "echo" and r.arguments["text"] in answers}
    assert len(tokens) == CALLS
    assert all(r.status == "ok" and r.result_preview == token for token, r in tokens.items())


def test_100_connect_disconnect_cycles_return_to_baseline(bench: Workbench, demo_http_url: str) -> None:
    """Open file descriptors, threads and child processes come back to where they were.

    60 cycles start the bad server over stdio (it starts in ~50 ms), 37 reach the demo over HTTP,
    3 start the demo over stdio (the SDK's server, ~1 s each)."""
    kinds = [("stdio", {"command": "python", "args": BAD_ARGS})] * 60
    kinds += [("http", {"url": demo_http_url})] * 37
    kinds += [("demo", {"command": "python", "args": DEMO_ARGS})] * 3
    random.Random(8).shuffle(kinds)
    for _, target in {k: t for k, t in kinds}.items():  # warm each kind up once
        bench.connect("cycle", **target)
        bench.disconnect("cycle")
    bench.history()  # the catalog writer is idle
    baseline = Baseline(fds=True)
    for i, (kind, target) in enumerate(kinds):
        bench.connect("cycle", **target)
        assert bench.call("cycle.echo", text=f"{kind}-{i}").text == f"{kind}-{i}"
        bench.disconnect("cycle")
    bench.history()
    assert not baseline.settled(), "100 connect/disconnect cycles leaked"
    assert "cycle" not in bench.server_names()


def _pids(text: str) -> set[int]:
    line = next(line for line in text.splitlines() if line.startswith("PIDS "))
    return set(json.loads(line[5:]))


def _orphans(pids: set[int]) -> set[int]:
    return {pid for pid in pids if _alive(pid)}


def test_interpreter_exit_in_the_middle_of_calls_leaves_no_server() -> None:
    """A script starts calls on three servers in threads and exits while they are in flight."""
    script = textwrap.dedent(
        f"""
        import json, threading, time
        import mcp_workbench
        from tests.servers import descendants
        wb = mcp_workbench.workbench()
        for name in ("a", "b", "c"):
            wb.connect(name, command="python", args=[{BAD_SERVER!r}])
        started = threading.Barrier(7)
        def call(target):
            started.wait()
            wb.call(target, timeout=120)
        for target in ("a.hang", "a.slow", "b.hang", "b.slow", "c.hang", "c.slow"):
            threading.Thread(target=call, args=(target,), daemon=True).start()
        started.wait()
        time.sleep(0.2)
        print("PIDS", json.dumps(sorted(descendants())), flush=True)
        """
    )
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, **SUB_ENV},
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert time.monotonic() - start < 20, "exit waited for the calls in flight"
    pids = _pids(out.stdout)
    assert len(pids) >= 3
    assert wait_until(lambda: not _orphans(pids), timeout=5), _orphans(pids)


def test_kernel_shutdown_in_the_middle_of_calls_leaves_no_server() -> None:
    """A real ipykernel connects two servers with ``%mcp``, starts calls in threads, and is shut
    down (a shutdown request, as Jupyter sends) while they are in flight."""
    manager = pytest.importorskip("jupyter_client.manager")
    km, kc = manager.start_new_kernel(kernel_name="python3", cwd=str(ROOT), env={**os.environ, **SUB_ENV})
    try:
        code = textwrap.dedent(
            f"""
            %load_ext mcp_workbench
            %mcp connect demo --stdio python -m mcp_workbench.demo
            %mcp connect bad --stdio python {BAD_SERVER}
            import json, threading, time, mcp_workbench
            from tests.servers import descendants
            wb = mcp_workbench.workbench()
            for target in ("demo.sleep_forever", "demo.slow", "bad.hang", "bad.slow"):
                threading.Thread(target=wb.call, args=(target,), kwargs={{"timeout": 120}}, daemon=True).start()
            time.sleep(0.3)
            print("PIDS", json.dumps(sorted(descendants())), flush=True)
            """
        )
        stream: list[str] = []

        def hook(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "stream":
                stream.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                stream.append("\n".join(msg["content"]["traceback"]))

        reply = kc.execute_interactive(code, timeout=60, output_hook=hook)
        assert reply["content"]["status"] == "ok", "".join(stream)
        pids = _pids("".join(stream))
        assert len(pids) >= 2
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    assert wait_until(lambda: not _orphans(pids), timeout=10), _orphans(pids)
