"""The dashboard in a real browser: JupyterLab on loopback, Debian's ``chromium`` driven by
playwright. A person's path: open a notebook, run ``%mcp ui``, connect the demo server from the
form, call ``demo.add`` from its generated form, read the result on the page; then start a task
from a second cell and watch its status line (and the Tasks tab) follow it to the end.

Screenshots go to ``test-artifacts/<test name>/`` (CI keeps them). Every process started here
(jupyter lab, its kernel and the kernel's MCP server; playwright's driver and chromium) is
stopped by PID, and the test checks that none is left.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import CELL, EDITOR, artifacts_for, browser, jupyter_lab, run_cell, skip_without_browser
from tests.servers import ROOT, DEMO_TOOLS

skip_without_browser()

from playwright.sync_api import Page  # noqa: E402 (after the skip: playwright may be missing)


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    return artifacts_for(request)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[dict[str, Any]]:
    with jupyter_lab(tmp_path, ["%load_ext mcp_workbench\n%mcp ui", ""], name="ui.ipynb") as served:  # cell 2: a task
        yield served


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with browser(tmp_path) as opened:
        yield opened


def _connect(page: Page, name: str, args: str, env: str = "") -> None:
    """Fill the Servers tab's connect form for a stdio ``python`` server and press Connect."""
    page.fill(".mcp-connect-name input", name)
    page.fill(".mcp-connect-command input", "python")
    page.fill(".mcp-connect-args input", args)
    page.fill(".mcp-connect-env textarea", env)
    page.click(".mcp-connect-button")


def test_dashboard_connects_and_calls_a_tool_in_jupyterlab(lab: dict[str, Any], page: Page, artifacts: Path) -> None:
    step = "open the notebook"
    try:
        page.goto(lab["url"])
        step = "run %mcp ui"
        run_cell(page, 0)
        page.wait_for_selector(".mcp-dashboard", timeout=60_000)
        page.screenshot(path=artifacts / "1-dashboard.png")

        step = "a server that fails to start shows red, with its reason"
        _connect(page, "broken", "-c 'raise SystemExit(3)'")
        page.wait_for_selector(".mcp-connect-table .mcp-status-error", timeout=30_000)
        color = page.eval_on_selector(".mcp-status-error", "e => getComputedStyle(e).color")
        assert color == "rgb(176, 0, 32)", color  # red
        assert "broken:" in page.inner_text(".mcp-connect-status")

        step = "connect the demo server from the form"
        # The demo of this checkout, not of whatever copy is installed (a stdio server's environment is minimal).
        _connect(page, "demo", "-m mcp_workbench.demo", env=f"PYTHONPATH={ROOT}")
        page.wait_for_selector(".mcp-connect-table .mcp-status-connected", timeout=30_000)
        page.wait_for_selector(".mcp-connect-table :text('ms')", timeout=10_000)  # the ping's latency
        color = page.eval_on_selector(".mcp-status-connected", "e => getComputedStyle(e).color")
        assert color == "rgb(26, 127, 55)", color  # green
        page.wait_for_selector(f".mcp-connect-status :text('connected demo: {DEMO_TOOLS} tools')", timeout=10_000)
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
        page.locator(f"{CELL} {EDITOR}").nth(1).click()
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
