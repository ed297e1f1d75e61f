"""History exported as a script that, run by itself against the demo server, makes the same calls;
and the ``%mcp record`` / ``replay`` / ``history --export`` magics."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from IPython.core.error import UsageError

from mcp_workbench.magics import cmd
from mcp_workbench.magics.magic import parse_line
from tests.repro.conftest import SECRET
from tests.servers import DEMO_ARGS, ROOT, SUB_ENV


def magic(wb: Any, line: str) -> Any:
    """Run ``%mcp <line>`` the way the magic does (parse, dispatch) against ``wb``."""
    invocation = parse_line(line)
    ctx = SimpleNamespace(wb=wb, shell=None, display_limit=50, opened=set())
    return cmd.find(invocation.command).run(ctx, invocation.values, None)


def test_exported_history_runs_and_makes_the_same_calls(bench: Callable[..., Any], tmp_path: Path) -> None:
    wb = bench()
    wb.connect("demo", command="python", args=DEMO_ARGS, env={"DEMO_TOKEN": SECRET})
    tricky = "it's \"quoted\"\nand {braced}"
    expected = [
        f"demo.add -> {wb.call('demo.add', a=2, b=40).text}",
        f"demo.echo -> {wb.call('demo.echo', text=tricky).text}",
        f"demo.table -> {wb.call('demo.table', rows=2).text}",
        f"demo.fail -> {wb.call('demo.fail', message='bad').text} [isError]",
        f"demo.env -> {wb.call('demo.env', name='DEMO_TOKEN').text}",
        f"demo.review -> {wb.get_prompt('demo.review', code='x = 1').text}",
        f"demo demo://readme -> {wb.read('demo', 'demo://readme').text}",
    ]
    script = wb.export_history(tmp_path / "calls.py")
    source = script.read_text()
    assert SECRET not in source and "env={'DEMO_TOKEN': '${env:DEMO_TOKEN}'}" in source
    env = {**os.environ, **SUB_ENV, "DEMO_TOKEN": SECRET, "MCP_WORKBENCH_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, str(script)], check=False, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "\n".join(expected).strip()

    only_last = magic(wb, f"history --export {tmp_path / 'last.py'} --last 1")
    assert only_last.startswith("wrote ") and "run it with: python" in only_last
    assert (tmp_path / "last.py").read_text().count("run(") == 2  # the helper, and one call


def test_record_and_replay_magics_with_chosen_servers(bench: Callable[..., Any], tmp_path: Path) -> None:
    path = tmp_path / "magic.jsonl"
    wb = bench()
    wb.connect("demo", command="python", args=DEMO_ARGS)
    wb.connect("other", command="python", args=DEMO_ARGS)
    assert magic(wb, f"record {path} --servers demo") == f"recording demo to {path}"
    assert wb.call("demo.add", a=1, b=1).text == "2" and wb.call("other.add", a=2, b=2).text == "4"
    assert magic(wb, "record --stop") == f"recorded to {path}"
    assert magic(wb, "record --stop") == "not recording"
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    assert entries[0]["servers"] == ["demo"] and {e["server"] for e in entries[1:]} == {"demo"}
    assert any(e.get("method") == "server/discover" for e in entries[1:])  # reconnected: the handshake is in

    player = bench()
    assert magic(player, f"replay {path}") == f"replaying {path} (once)"
    player.connect("demo", command="no-such-mcp-server-command")  # from the cassette
    player.connect("other", command="python", args=DEMO_ARGS)  # not recorded: the real server
    assert player.call("demo.add", a=1, b=1).text == "2" and player.call("other.add", a=3, b=3).text == "6"
    assert magic(player, "replay --stop") == f"stopped replaying {path}"
    with pytest.raises(UsageError, match="missing PATH"):
        magic(player, "replay")
