"""Verify in CI: ``python -m mcp_workbench verify`` (exit 0 / 1 / 2) and the pytest plugin (run
with ``pytester``): the ``mcp`` fixture, and ``--mcp-cassette`` items, one per recorded request."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from mcp_workbench.repro.cassette import read_entries
from mcp_workbench.repro.verify import plan
from tests.servers import ROOT, SUB_ENV, descendants, wait_until

pytest_plugins = ["pytester"]
PLUGIN = "mcp_workbench.repro.pytest_plugin"


def _plugin() -> tuple[str, ...]:
    """``-p PLUGIN`` unless the installed package's ``pytest11`` entry point loads it already
    (``pip install -e .`` registers it; naming it twice is an error)."""
    from importlib.metadata import entry_points

    installed = any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))
    return () if installed else ("-p", PLUGIN)
DEMO = f"{sys.executable} -m mcp_workbench.demo"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", **SUB_ENV}
    return subprocess.run([sys.executable, "-m", "mcp_workbench", *args], env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)  # fmt: skip


def test_the_command_line_exits_0_1_or_2(session: Path, tmp_path: Path) -> None:
    same = cli("verify", str(session), "--command", DEMO)
    assert same.returncode == 0, same.stderr
    [line] = same.stdout.strip().splitlines()
    rows = int(re.fullmatch(r"verify session\.jsonl: (\d+) same -> OK", line).group(1))  # type: ignore[union-attr]

    drift = cli("verify", str(session), "--command", f"{DEMO} --drift")
    assert drift.returncode == 1
    assert f"verify session.jsonl: {rows - 2} same, 2 changed -> CHANGED" in drift.stdout
    assert "- changed: demo tools/list add input schema changed" in drift.stdout and '+   "c": {' in drift.stdout
    ignored = cli("verify", str(session), "--command", f"{DEMO} --drift", "--ignore", "$..score", "$.content")
    assert ignored.returncode == 1 and "1 changed" in ignored.stdout and "tools/call table" not in ignored.stdout

    missing = cli("verify", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and missing.stdout == "" and "no cassette at" in missing.stderr
    empty = cli("verify", str(session), "--command", " ")
    assert empty.returncode == 2 and "--command needs a command line" in empty.stderr
    usage = cli("verify")
    assert usage.returncode == 2 and "the following arguments are required: cassette" in usage.stderr


def test_the_entry_point_names_the_plugin() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["pytest11"] == {"mcp_workbench": PLUGIN}
    plugin = importlib.import_module(PLUGIN)
    assert callable(plugin.pytest_addoption) and callable(plugin.mcp)


def test_the_mcp_fixture_closes_its_servers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_server="""
        import sys

        def test_add(mcp):
            mcp.connect("s", command=sys.executable, args=["-m", "mcp_workbench.demo"])
            assert mcp.call("s.add", a=1, b=2).value == 3
            assert mcp.catalog_sync is not None and "mcp-catalog.sqlite" in str(mcp.store)
    """)  # fmt: skip
    before = descendants()
    result = pytester.runpytest_inprocess(*_plugin(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert wait_until(lambda: not (descendants() - before), timeout=10)


def test_a_cassette_becomes_one_test_per_recorded_request(pytester: pytest.Pytester, session: Path) -> None:
    steps = plan(read_entries(session))
    args = (*_plugin(), "-p", "no:cacheprovider", "--mcp-cassette", str(session), "--mcp-command")
    same = pytester.runpytest_inprocess(*args, DEMO, "-v")
    same.assert_outcomes(passed=len(steps))
    same.stdout.fnmatch_lines(["*session.jsonl::demo tools/list PASSED*", "*session.jsonl::demo tools/call add PASSED*"])

    drift = pytester.runpytest_inprocess(*args, f"{DEMO} --drift")
    drift.assert_outcomes(passed=len(steps) - 2, failed=2)
    drift.stdout.fnmatch_lines(["*- changed: demo tools/list add input schema changed*", '*+   "c": {*',
                                "*- changed: demo tools/call table*", '*-    "score": 1.5*',
                                "FAILED *session.jsonl::demo tools/list*", "FAILED *session.jsonl::demo tools/call table*"])  # fmt: skip

    wrong = pytester.runpytest_inprocess(*_plugin(), "--mcp-cassette", str(session.with_name("nope.jsonl")))
    assert wrong.ret == pytest.ExitCode.USAGE_ERROR
    wrong.stderr.fnmatch_lines(["*--mcp-cassette *nope.jsonl: no cassette at*"])
