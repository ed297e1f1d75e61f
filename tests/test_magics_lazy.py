"""``%load_ext mcp_workbench`` imports nothing heavy and starts nothing; the workbench comes on
first use with the ``%config`` traits set by then, and later ``%config`` changes still apply.

Each test runs a fresh interpreter (a subprocess), because this one has long imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.servers import ROOT, SUB_ENV

_PRELUDE = """
import json, sys, threading
from IPython.core.completer import provisionalcompleter
from IPython.core.interactiveshell import InteractiveShell

HEAVY = ("mcp", "pandas", "openai", "mcp_workbench.facade", "mcp_workbench.core.service")
out = {}

def heavy():
    return sorted(m for m in HEAVY if m in sys.modules)

def threads():
    return sorted(t.name for t in threading.enumerate() if t.name.startswith("mcp"))

def complete(line):  # as a front end asks: the words offered for the line
    with provisionalcompleter():
        return [c.text for c in ip.Completer.completions(line, len(line))]

ip = InteractiveShell.instance()
ip.run_line_magic("load_ext", "mcp_workbench")
out["after_load"] = {"heavy": heavy(), "threads": threads()}
"""


def _run(script: str, tmp_path: Path) -> dict:
    env = {**SUB_ENV, "MCP_WORKBENCH_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", _PRELUDE + script + "\nprint(json.dumps(out))"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_load_ext_imports_nothing_heavy_and_the_first_line_connects_with_the_traits(tmp_path: Path) -> None:
    out = _run(
        """
ip.run_line_magic("config", "McpWorkbench.timeout = 42")
ip.run_line_magic("config", "McpWorkbench.model = 'llama3.1'")
out["help"] = ip.run_cell("%mcp help").error_in_exec is None
out["completions"] = complete("%mcp con")
complete("%mcp tools ")  # would name servers: it must not create a workbench to find none
out["after_help_and_tab"] = {"heavy": heavy(), "threads": threads()}
result = ip.run_cell("%mcp connect demo --stdio python -m mcp_workbench.demo")
out["connect_error"] = repr(result.error_in_exec) if result.error_in_exec else None
out["call"] = ip.run_cell("%mcp call demo.add a=1 b=2").result.text
import mcp_workbench
from mcp_workbench.chat import settings
wb = mcp_workbench.workbench()
out["timeout_at_creation"] = wb.default_timeout
out["model_at_creation"] = settings.model
ip.run_line_magic("config", "McpWorkbench.timeout = 7")
out["timeout_after_config"] = wb.default_timeout
out["completions_after"] = complete("%mcp call demo.ad")
ip.run_line_magic("unload_ext", "mcp_workbench")
wb.close()
""",
        tmp_path,
    )
    assert out["after_load"] == {"heavy": [], "threads": []}
    assert out["help"] and sorted(out["completions"]) == ["config", "connect"]
    assert out["after_help_and_tab"] == {"heavy": [], "threads": []}  # help and Tab do not start it
    assert out["connect_error"] is None and out["call"] == "3"
    assert (out["timeout_at_creation"], out["model_at_creation"], out["timeout_after_config"]) == (42, "llama3.1", 7)
    assert "demo.add" in out["completions_after"]


def test_a_workbench_made_from_python_after_load_gets_the_traits(tmp_path: Path) -> None:
    store = tmp_path / "elsewhere.sqlite"
    out = _run(
        f"""
ip.run_line_magic("config", "McpWorkbench.idle_timeout = 5.0")
ip.run_line_magic("config", {f"McpWorkbench.store = {str(store)!r}"!r})
out["before"] = heavy()
import mcp_workbench
wb = mcp_workbench.workbench()
out["idle"] = wb.idle_timeout
out["store"] = str(wb.store)
out["magic_drives_it"] = ip.run_cell("%mcp servers").error_in_exec is None
wb.close()
""",
        tmp_path,
    )
    assert out["before"] == []
    assert out["idle"] == 5.0 and out["store"] == str(store) and out["magic_drives_it"]
    assert store.exists()
