"""Real-browser test bed: JupyterLab on loopback and Debian's ``chromium`` driven by playwright.

Shared by the dashboard test (``tests/widgets/test_browser.py``) and the MCP Apps test
(``tests/apps/test_app_browser.py``). ``jupyter_lab(tmp_path, cells)`` serves a notebook made of
``cells`` from a temp dir with its own config, data, settings and catalog; ``browser(tmp_path)``
opens chromium. Both stop every process they started, by PID, and fail the test when one is
left. ``skip_without_browser()`` skips (fails in CI) when a piece is missing.
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
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.servers import ROOT, SUB_ENV, descendants, free_port, wait_for_port, wait_until

CHROMIUM = os.environ.get("MCP_WORKBENCH_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
# without a kernelspec a "Select Kernel" dialog covers the page and swallows every click
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
CELL = ".jp-Notebook .jp-Cell"
EDITOR = ".cm-content"


def skip_without_browser() -> None:
    """At module level: skip the module (fail it in CI) when chromium, playwright or jupyterlab is missing."""
    why = None
    for module in ("playwright", "jupyterlab", "ipykernel"):
        try:
            __import__(module)
        except ImportError:
            why = f"python package {module} is not installed (pip install -e .[test])"
            break
    if why is None and not os.access(CHROMIUM, os.X_OK):
        why = f"no chromium at {CHROMIUM} (apt-get install chromium; .ci/install.sh does)"
    if why is not None:
        if os.environ.get("CI"):  # CI installs all of it: a missing piece there is a failure, not a skip
            pytest.fail(why, pytrace=False)
        pytest.skip(why, allow_module_level=True)


def notebook(cells: list[str]) -> dict[str, Any]:
    code = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [], "source": s}
            for i, s in enumerate(cells)]  # fmt: skip
    return {"cells": code, "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}  # fmt: skip


def artifacts_for(request: pytest.FixtureRequest) -> Path:
    """``test-artifacts/<test name>/``, emptied (screenshots are CI artifacts, never commits)."""
    base = ROOT / "test-artifacts"
    base.mkdir(exist_ok=True)
    (base / ".gitignore").write_text("*\n")
    folder = base / re.sub(r"[^\w.-]", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    return folder


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


def _stop(pids: set[int]) -> list[int]:
    """SIGKILL whatever of ``pids`` is still alive; returns those that were."""
    alive = [p for p in pids if os.path.exists(f"/proc/{p}") and _state(p) != "Z"]
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return alive


@contextmanager
def jupyter_lab(tmp_path: Path, cells: list[str], name: str = "test.ipynb") -> Iterator[dict[str, Any]]:
    """JupyterLab on 127.0.0.1 serving a notebook of ``cells``; yields its ``url`` and ``log``."""
    (tmp_path / name).write_text(json.dumps(notebook(cells)))
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
        yield {"url": f"http://127.0.0.1:{port}/lab/tree/{name}?token={token}", "log": tmp_path / "lab.log"}
    finally:
        started |= descendants(proc.pid)  # the kernel and its MCP servers, before they are reparented
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


@contextmanager
def browser(tmp_path: Path) -> Iterator[Any]:
    """A playwright page in Debian's chromium with a fresh profile; driver and browser stopped after."""
    from playwright.sync_api import sync_playwright

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


def run_cell(page: Any, index: int) -> None:
    """Run cell ``index`` (0-based) and wait until it has finished (its prompt shows a number).

    The first run waits for the kernel to be idle: a cell run before the kernel is ready is dropped."""
    page.wait_for_selector(f"{CELL} {EDITOR}", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    kernel_dialog = page.locator(".jp-Dialog:has-text('Select Kernel') .jp-Dialog-button.jp-mod-accept")
    if kernel_dialog.count():  # seldom, under load, despite the kernelspec: take the preferred kernel
        kernel_dialog.first.click()
    cell = page.locator(CELL).nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    before = prompt.inner_text()
    for _ in range(3):
        cell.locator(EDITOR).click()
        page.keyboard.press("Control+Enter")  # run in place: the selection stays on this cell
        if wait_until(lambda: re.search(r"\[(\*|\d+)\]", prompt.inner_text()) and prompt.inner_text() != before,
                      timeout=5):  # fmt: skip
            break
    else:
        raise AssertionError(f"the notebook never ran cell {index}")
    if not wait_until(lambda: re.search(r"\[\d+\]", prompt.inner_text()), timeout=120):
        raise AssertionError(f"cell {index} did not finish: {prompt.inner_text()}")


def output_text(page: Any, index: int) -> str:
    """The text of cell ``index``'s output area."""
    return page.locator(CELL).nth(index).locator(".jp-OutputArea").inner_text()
