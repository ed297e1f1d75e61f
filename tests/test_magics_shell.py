"""The extension in a real IPython shell: load, unload, %config, autoconnect; and the fixtures
the other ``test_magics*`` modules import (fixtures ``ip``, ``demo``, ``web``; ``run``, ``fails``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import mcp_workbench
from mcp_workbench.magics.magic import McpWorkbench
from tests.servers import descendants, wait_until

DEMO = "python -m mcp_workbench.demo"


def run(ip: InteractiveShell, code: str) -> Any:
    """Run a cell that must succeed; return the value it produced (what `_` holds)."""
    result = ip.run_cell(code)
    assert result.error_in_exec is None and result.error_before_exec is None, (code, result.error_in_exec)
    return result.result


def fails(ip: InteractiveShell, code: str) -> str:
    """Run a cell that must fail with a one-line UsageError and no traceback; return the message."""
    with capture_output() as cap:
        result = ip.run_cell(code)
    error = result.error_in_exec
    assert isinstance(error, UsageError), (code, repr(error))
    message = str(error)
    assert message and "\n" not in message, message
    assert "Traceback" not in cap.stderr and cap.stderr.strip() == f"UsageError: {message}", cap.stderr
    assert ip.run_cell("1 + 1").result == 2  # the shell stays usable
    return message


def wb() -> mcp_workbench.Workbench:
    return mcp_workbench.workbench()


def magic(ip: InteractiveShell) -> McpWorkbench:
    found = [c for c in ip.configurables if isinstance(c, McpWorkbench)]
    assert len(found) == 1
    return found[0]


@pytest.fixture(scope="module", name="ip")
def ip_fixture() -> Iterator[InteractiveShell]:
    """The shell with the extension loaded; unloading it (and closing the workbench) afterwards."""
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "mcp_workbench")
    yield shell
    shell.run_line_magic("unload_ext", "mcp_workbench")
    wb().close()


def _ensure(ip: InteractiveShell, name: str, line: str) -> None:
    bench = wb()
    if name not in bench.server_names() or not bench.server(name).is_open:
        run(ip, f"%mcp connect {name} {line}")


@pytest.fixture(name="demo")
def demo_fixture(ip: InteractiveShell) -> InteractiveShell:
    """``ip`` with the demo server connected over stdio as ``demo``."""
    _ensure(ip, "demo", f"--stdio {DEMO}")
    return ip


@pytest.fixture(name="web")
def web_fixture(ip: InteractiveShell, demo_http_url: str) -> InteractiveShell:
    """``ip`` with the demo server connected over Streamable HTTP as ``web``."""
    _ensure(ip, "web", demo_http_url)
    return ip


# ---------------------------------------------------------------------- tests of this module
def test_load_registers_magics_configurable_and_completer(ip: InteractiveShell) -> None:
    assert mcp_workbench.load_ipython_extension.__module__ == "mcp_workbench.magics.extension"
    ip.run_line_magic("load_ext", "mcp_workbench")  # already loaded: a no-op, not a second instance
    assert "mcp" in ip.magics_manager.magics["line"] and "mcp" in ip.magics_manager.magics["cell"]
    assert magic(ip).wb is wb()
    assert [m for m in ip.Completer.custom_matchers if m.matcher_identifier == "mcp_workbench"]


def test_config_traits_apply_to_the_workbench_and_validate(
    ip: InteractiveShell, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with capture_output() as cap:
        run(ip, "%config McpWorkbench")
    for trait in ("timeout", "idle_timeout", "store", "autoconnect_config", "display_limit"):
        assert f"McpWorkbench.{trait}" in cap.stdout
    try:
        run(ip, "%config McpWorkbench.timeout = 30")
        assert wb().default_timeout == 30
        run(ip, "%config McpWorkbench.idle_timeout = 0")
        assert wb().idle_timeout is None
        run(ip, "%config McpWorkbench.idle_timeout = 120.0")
        assert wb().idle_timeout == 120
        run(ip, "%config McpWorkbench.display_limit = 7")
        assert magic(ip).display_limit == 7
        for bad in ("timeout = -1", "idle_timeout = -5", "display_limit = -1", "store = '/no/such/dir/x.sqlite'",
                    "store = 'ftp://host/db'", "autoconnect_config = '/no/such/mcp.json'"):  # fmt: skip
            caplog.clear()
            run(ip, f"%config McpWorkbench.{bad}")  # %config logs a rejected value; it is not set
            assert "McpWorkbench." in caplog.text, bad
        m = magic(ip)
        assert (m.timeout, m.idle_timeout, m.display_limit, m.store, m.autoconnect_config) == (30, 120, 7, "", "")
        assert wb().default_timeout == 30
        run(ip, f"%config McpWorkbench.store = {str(tmp_path / 'catalog.sqlite')!r}")
        assert str(wb().store).endswith("catalog.sqlite")
    finally:
        for reset in ("timeout = 60.0", "idle_timeout = 1800.0", "display_limit = 50", "store = ''"):
            run(ip, f"%config McpWorkbench.{reset}")


def _config_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps({"mcpServers": {name: {"command": "python", "args": ["-m", "mcp_workbench.demo"]}}}))
    return path


def test_unload_closes_what_it_opened_and_autoconnect_reconnects(ip: InteractiveShell, tmp_path: Path) -> None:
    before = descendants()
    run(ip, f"%mcp connect gone --stdio {DEMO}")
    assert descendants() - before
    ip.config.McpWorkbench.autoconnect_config = str(_config_file(tmp_path, "auto"))
    try:
        ip.run_line_magic("unload_ext", "mcp_workbench")
        assert "gone" not in wb().server_names()
        assert wait_until(lambda: not (descendants() - before)), "a server process outlived %unload_ext"
        assert "mcp" not in ip.magics_manager.magics["line"]
        assert not [c for c in ip.configurables if isinstance(c, McpWorkbench)]
        assert not [m for m in ip.Completer.custom_matchers if m.matcher_identifier == "mcp_workbench"]
        assert isinstance(ip.run_cell("%mcp servers").error_in_exec, UsageError)
        ip.run_line_magic("load_ext", "mcp_workbench")  # autoconnect_config connects at load
        assert wb().server("auto").is_open
    finally:
        ip.config.McpWorkbench.autoconnect_config = ""
        magic(ip).autoconnect_config = ""
    run(ip, "%mcp disconnect auto")
    assert wait_until(lambda: not (descendants() - before))


def test_autoconnect_set_later_with_config_connects_now(ip: InteractiveShell, tmp_path: Path) -> None:
    path = _config_file(tmp_path, "later")
    try:
        run(ip, f"%config McpWorkbench.autoconnect_config = {str(path)!r}")
        assert wb().server("later").is_open
        assert "later" in magic(ip).opened
    finally:
        magic(ip).autoconnect_config = ""
        run(ip, "%mcp disconnect later")
