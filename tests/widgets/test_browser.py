"""The dashboard in a real browser: JupyterLab on loopback, Debian's ``chromium`` driven by
playwright. A person's path: open a notebook, run ``%mcp ui``, connect the demo server from the
form, call ``demo.add`` from its generated form, read the result on the page; then start a task
from a second cell and watch its status line (and the Tasks tab) follow it to the end.

Screenshots go to ``test-artifacts/<test name>/`` (CI keeps them). Every process started here
(jupyter lab, its kernel and the kernel's MCP server; playwright's driver and chromium) is
stopped by PID, and the test checks that none is left.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import ROOT, SUB_ENV, descendants, free_port, wait_for_port, wait_until

CHROMIUM = os.environ.get("MCP_WORKBENCH_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
CODE_CELL = {"cell_type": "code", "execution_count": None, "id": "ui", "metadata": {}, "outputs": [],
             "source": "%load_ext mcp_workbench\n%mcp ui"}  # fmt: skip
# without a kernelspec a "Select Kernel" dialog covers the page and swallows every click
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
NOTEBOOK = {"cells": [CODE_CELL], "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
CELL = ".jp-Notebook .jp-Cell .cm-content"


def _missing() -> str | None:
    for module in ("playwright", "jupyterlab", "ipykernel"):
        try:
            __import__(module)
        except ImportError:
            return f"python package {module} is not installed (pip install -e .[test])"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no chromium at {CHROMIUM} (apt-get install chromium; .ci/install.sh does)"
    return None


if (_why := _missing()) is not None:
    if os.environ.get("CI"):  # CI installs all of it: a missing piece there is a failure, not a skip
        pytest.fail(_why, pytrace=False)
    pytest.skip(_why, allow_module_level=True)

from playwright.sync_api import Page, sync_playwright


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    base = ROOT / "test-artifacts"
    base.mkdir(exist_ok=True)
    (base / ".gitignore").write_text("*\n")  # screenshots are CI artifacts, never commits
    folder = base / re.sub(r"[^\w.-]", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    return folder


def _stop(pids: set[int]) -> list[int]:
    """SIGKILL whatever of ``pids`` is still alive; returns those that were."""
    alive = [p for p in pids if os.path.exists(f"/proc/{p}") and _state(p) != "Z"]
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return alive


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """JupyterLab on 127.0.0.1 in a temp dir with its own config, data, settings and catalog."""
    (tmp_path / "ui.ipynb").write_text(json.dumps(NOTEBOOK))
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)  # no "Jupyter news?" toast over the page, no update check
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    dirs = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data", "JUPYTER_RUNTIME_DIR": "runtime",
            "JUPYTERLAB_SETTINGS_DIR": "settings", "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
            "IPYTHONDIR": "ipython", "MCP_WORKBENCH_HOME": "mcp-workbench"}  # fmt: skip
    env = {**os.environ, **SUB_ENV, **{k: str(tmp_path / v) for k, v in dirs.items()}}
    port, token = free_port(), secrets.token_hex(16)
    log = (tmp_path / "lab.log").open("w")
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}", "--LabApp.news_url=None",
        "--LabApp.extension_manager=readonly", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ] + (["--allow-root"] if os.geteuid() == 0 else [])  # fmt: skip
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    started = {proc.pid}
    try:
        wait_for_port(port, proc, timeout=60)
        yield {"url": f"http://127.0.0.1:{port}/lab/tree/ui.ipynb?token={token}", "log": tmp_path / "lab.log"}
    finally:
        started |= descendants(proc.pid)  # the kernel and its MCP server, before they are reparented
        proc.terminate()  # jupyter shuts its kernels down; the kernel's atexit closes its MCP servers
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        wait_until(lambda: not [p for p in started if _state(p) != "Z"], timeout=10)
        leftover = _stop(started)
        assert not leftover, f"processes left after jupyter lab stopped (killed now): {leftover}"


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    """Debian's chromium with a fresh user-data dir; playwright's driver and browser stopped after."""
    before = descendants()
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, args=FLAGS, headless=True,
            viewport={"width": 1400, "height": 1000},
        )  # fmt: skip
        started = descendants() - before  # playwright's driver and chromium (no page is open yet)
        try:
            yield context.new_page()
        finally:
            context.close()
    wait_until(lambda: not [p for p in started if _state(p) != "Z"], timeout=10)
    leftover = _stop(started)
    assert not leftover, f"browser processes left after playwright stopped (killed now): {leftover}"


def _run_first_cell(page: Page) -> None:
    """Run the cell once the kernel is idle (a cell run before the kernel is ready is dropped)."""
    page.wait_for_selector(CELL, timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    prompt = page.locator(".jp-Cell .jp-InputPrompt").first
    for _ in range(3):
        page.click(CELL)
        page.keyboard.press("Shift+Enter")
        if wait_until(lambda: re.search(r"\[(\*|\d+)\]", prompt.inner_text()), timeout=5):
            return
    raise AssertionError("the notebook never ran its cell")


def _connect(page: Page, name: str, args: str) -> None:
    """Fill the Servers tab's connect form for a stdio ``python`` server and press Connect (with
    this checkout on its PYTHONPATH: a stdio server gets a minimal environment)."""
    page.fill(".mcp-connect-name input", name)
    page.fill(".mcp-connect-command input", "python")
    page.fill(".mcp-connect-args input", args)
    page.fill(".mcp-connect-env textarea", f"PYTHONPATH={ROOT}")
    page.click(".mcp-connect-button")


def test_dashboard_connects_and_calls_a_tool_in_jupyterlab(lab: dict[str, Any], page: Page, artifacts: Path) -> None:
    step = "open the notebook"
    try:
        page.goto(lab["url"])
        step = "run %mcp ui"
        _run_first_cell(page)
        page.wait_for_selector(".mcp-dashboard", timeout=60_000)
        page.screenshot(path=artifacts / "1-dashboard.png")

        step = "a server that fails to start shows red, with its reason"
        _connect(page, "broken", "-c 'raise SystemExit(3)'")
        page.wait_for_selector(".mcp-connect-table .mcp-status-error", timeout=30_000)
        color = page.eval_on_selector(".mcp-status-error", "e => getComputedStyle(e).color")
        assert color == "rgb(176, 0, 32)", color  # red
        assert "broken:" in page.inner_text(".mcp-connect-status")

        step = "connect the demo server from the form"
        _connect(page, "demo", "-m mcp_workbench.demo")
        page.wait_for_selector(".mcp-connect-table .mcp-status-connected", timeout=30_000)
        page.wait_for_selector(".mcp-connect-table :text('ms')", timeout=10_000)  # the ping's latency
        color = page.eval_on_selector(".mcp-status-connected", "e => getComputedStyle(e).color")
        assert color == "rgb(26, 127, 55)", color  # green
        page.wait_for_selector(".mcp-connect-status :text('connected demo: 16 tools')", timeout=10_000)
        page.screenshot(path=artifacts / "2-connected.png")

        step = "call demo.add from its generated form"
        page.click(".mcp-dashboard .lm-TabBar-tab:has-text('Tools')")
        page.select_option(".mcp-tool-list select", label="demo.add [read-only]")
        page.wait_for_selector(".mcp-field-a input", timeout=10_000)
        page.fill(".mcp-field-a input", "2")
        page.keyboard.press("Tab")  # IntText syncs on blur
        page.fill(".mcp-field-b input", "3")
        page.keyboard.press("Tab")
        page.click(".mcp-tool-call")
        page.wait_for_selector(".mcp-tool-result :text('result of')", timeout=30_000)
        result = page.inner_text(".mcp-tool-result")
        assert "demo.add" in result and re.search(r"\b5\b", result), result
        assert "demo.add ok in" in page.inner_text(".mcp-tool-status")
        page.screenshot(path=artifacts / "3-result.png")

        step = "the call is in the activity log"
        page.click(".mcp-dashboard .lm-TabBar-tab:has-text('Activity')")
        page.wait_for_selector(".mcp-activity :text('✓ call demo.add ok')", timeout=10_000)
        page.screenshot(path=artifacts / "4-activity.png")

        step = "a task started in another cell: its line follows it, so does the Tasks tab"
        page.locator(CELL).nth(1).click()
        page.keyboard.type("%mcp call demo.countdown steps=20 seconds=0.1 --task")
        page.keyboard.press("Shift+Enter")
        page.wait_for_selector(".mcp-task-line .mcp-task-working", timeout=30_000)
        page.click(".mcp-dashboard .lm-TabBar-tab:has-text('Tasks')")
        page.wait_for_selector(".mcp-tasks-table :text('countdown')", timeout=30_000)
        page.wait_for_selector(".mcp-task-line .mcp-task-completed", timeout=60_000)  # redrawn from events
        page.wait_for_selector(".mcp-tasks-table :text('● completed')", timeout=30_000)
        page.screenshot(path=artifacts / "5-task.png")
    except Exception as exc:
        page.screenshot(path=artifacts / "failure.png", full_page=True)
        tail = lab["log"].read_text()[-3000:]
        raise AssertionError(f"failed at step {step!r}; screenshots in {artifacts}; jupyter lab log tail:\n{tail}") from exc
