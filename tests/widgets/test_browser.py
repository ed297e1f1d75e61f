"""The dashboard in a real browser: JupyterLab on loopback, Debian's ``chromium`` driven by
playwright. A person's path: open a notebook, run ``%mcp ui``, connect the demo server from the
form, call ``demo.add`` from its generated form, read the result on the page; then start a task
from a second cell and watch its status line (and the Tasks tab) follow it to the end. Then what a
new user tripped over (issue 19): a destructive tool asks first, Cancel on a call that never ends,
each server row's own buttons, Enter sending a chat message (the scripted OpenAI server), a
readable ``%mcp tools``, and an old dashboard saying its kernel went away after a restart (and the
notice of a notebook reopened without its kernel).

``MCP_WORKBENCH_UPDATE_DOCS=1`` also writes the screenshot of the dashboard and ``%mcp tools``
to ``docs/dashboard.png`` (the README shows it).

Screenshots go to ``test-artifacts/<test name>/`` (CI keeps them). Every process started here
(jupyter lab, its kernel and the kernel's MCP server; playwright's driver and chromium) is
stopped by PID, and the test checks that none is left.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
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
        assert "broken did not connect: the reason is in its row above" in page.inner_text(".mcp-connect-status")
        row_error = page.inner_text(".mcp-server-broken .mcp-server-error")
        assert "add KEY=VALUE lines to the Env box" in row_error and "env={...}" not in row_error  # said once, there

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


def _tab(page: Page, title: str) -> None:
    page.click(f".mcp-dashboard .lm-TabBar-tab:has-text('{title}')")


def _summary_calls(page: Page) -> int:
    found = re.search(r"(\d+) calls", page.inner_text(".mcp-summary"))
    assert found, page.inner_text(".mcp-summary")
    return int(found.group(1))


@pytest.fixture
def lab_with_listing(tmp_path: Path) -> Iterator[dict[str, Any]]:
    with jupyter_lab(tmp_path, ["%load_ext mcp_workbench\n%mcp ui", "%mcp tools demo"], name="ui.ipynb") as served:
        yield served


def test_what_a_new_user_trips_over_in_jupyterlab(lab_with_listing: dict[str, Any], page: Page, artifacts: Path) -> None:
    from tests.openai_stub import OpenAIStub, text, tool_calls

    lab = lab_with_listing
    key = "sk-browser-" + secrets.token_hex(8)
    step = "open the notebook, run %mcp ui, connect two demo servers"
    with OpenAIStub(api_key=key) as stub:
        try:
            page.goto(lab["url"])
            run_cell(page, 0)
            page.wait_for_selector(".mcp-dashboard", timeout=60_000)
            # Next to a live dashboard the notice is display:none (its own animation only delays it by
            # 2 s, so "not visible" alone proves nothing this early): it never shows, however long one waits.
            assert page.locator(".mcp-kernel-notice").count() == 1 and not page.is_visible(".mcp-kernel-notice")
            assert page.eval_on_selector(".mcp-kernel-notice", "e => getComputedStyle(e).display") == "none"
            for name in ("demo", "two"):
                _connect(page, name, "-m mcp_workbench.demo", env=f"PYTHONPATH={ROOT}")
                page.wait_for_selector(f".mcp-connect-status :text('connected {name}:')", timeout=30_000)

            step = "each server row acts on its own server"
            two = ".mcp-server-two.mcp-server-actions"
            page.click(f"{two} .mcp-server-ping")
            page.wait_for_selector(".mcp-connect-status :text('ping two:')", timeout=15_000)
            page.click(f"{two} .mcp-server-disconnect")
            page.wait_for_selector(".mcp-connect-status :text('disconnect two: done')", timeout=30_000)
            assert page.locator(".mcp-server-two").count() == 0 and page.locator(".mcp-server-demo").count() > 0
            page.click(".mcp-server-demo.mcp-server-actions .mcp-server-reconnect")
            page.wait_for_selector(".mcp-connect-status :text('reconnect demo: done')", timeout=30_000)
            page.wait_for_selector(".mcp-server-demo .mcp-status-connected", timeout=15_000)
            page.screenshot(path=artifacts / "1-rows.png")

            step = "a destructive tool asks first, naming its arguments; nothing runs before the answer"
            _tab(page, "Tools")
            page.select_option(".mcp-tool-list select", label="demo.delete_all [destructive]")
            page.click(".mcp-field-confirm input[type=checkbox]")
            calls = _summary_calls(page)
            page.click(".mcp-tool-call")
            page.wait_for_selector(".mcp-tool-confirm :text('demo.delete_all is marked destructive')", timeout=10_000)
            assert 'demo.delete_all({"confirm": true})' in page.inner_text(".mcp-tool-confirm")
            page.screenshot(path=artifacts / "2-confirm.png")
            assert _summary_calls(page) == calls and page.inner_text(".mcp-tool-result").strip() == ""
            page.click(".mcp-tool-confirm-keep")
            page.wait_for_selector(".mcp-tool-status :text('was not run')", timeout=10_000)
            assert _summary_calls(page) == calls
            page.click(".mcp-tool-call")
            page.click(".mcp-tool-confirm-run")
            page.wait_for_selector(".mcp-tool-result :text('deleted everything')", timeout=30_000)
            assert _summary_calls(page) == calls + 1

            step = "Cancel a call that never ends; the server stays usable"
            page.select_option(".mcp-tool-list select", label="demo.sleep_forever")
            page.wait_for_function(  # another tool: not delete_all's result (the kernel clears it)
                "() => document.querySelector('.mcp-tool-result').innerText.trim() === ''", timeout=10_000)
            page.click(".mcp-tool-call")
            page.wait_for_selector(".mcp-tool-cancel", state="visible", timeout=10_000)
            assert page.is_disabled(".mcp-tool-call")
            page.click(".mcp-tool-cancel")
            page.wait_for_selector(".mcp-tool-status :text('cancelled')", timeout=15_000)
            page.wait_for_selector(".mcp-tool-cancel", state="hidden", timeout=10_000)
            assert page.is_enabled(".mcp-tool-call")
            page.select_option(".mcp-tool-list select", label="demo.echo [read-only]")
            page.fill(".mcp-field-text textarea", "still here")
            page.click(".mcp-tool-call")
            page.wait_for_selector(".mcp-tool-result :text('still here')", timeout=30_000)
            _tab(page, "Activity")
            page.wait_for_selector(".mcp-activity :text('✗ call demo.sleep_forever cancelled')", timeout=15_000)

            step = "Enter sends a chat message; the key field is emptied; icons are Font Awesome"
            stub.script(tool_calls(("demo__add", {"a": 1, "b": 2})), text("The sum is 3."))
            _tab(page, "Chat")
            page.fill(".mcp-chat-base-url input", stub.url)
            page.press(".mcp-chat-base-url input", "Enter")
            page.fill(".mcp-chat-key input", key)
            page.press(".mcp-chat-key input", "Enter")
            page.wait_for_selector(".mcp-chat-key-state :text('key set')", timeout=10_000)
            page.wait_for_function("() => document.querySelector('.mcp-chat-key input').value === ''", timeout=10_000)
            page.fill(".mcp-chat-input input", "What is 1 + 2?")
            page.press(".mcp-chat-input input", "Enter")
            page.wait_for_selector(".mcp-chat-transcript :text('The sum is 3.')", timeout=30_000)
            page.wait_for_function("() => document.querySelector('.mcp-chat-input input').value === ''", timeout=10_000)
            icon = page.locator(".mcp-chat-transcript i.fa-wrench").first
            font = icon.evaluate("e => getComputedStyle(e).fontFamily")
            glyph = icon.evaluate("e => getComputedStyle(e, '::before').content")
            width = icon.evaluate("e => e.getBoundingClientRect().width")
            assert re.search("Font ?Awesome", font) and glyph not in ("", "none", "normal") and width > 0, (font, glyph)
            assert key not in page.content() and stub.headers[-1]["authorization"] == f"Bearer {key}"
            page.screenshot(path=artifacts / "3-chat.png")

            step = "%mcp tools shows a readable table, no raw schema"
            _tab(page, "Tools")
            page.select_option(".mcp-tool-list select", label="demo.add [read-only]")
            page.fill(".mcp-field-a input", "2")
            page.fill(".mcp-field-b input", "3")
            page.click(".mcp-tool-call")
            page.wait_for_selector(".mcp-tool-result :text('result of')", timeout=30_000)
            run_cell(page, 1)
            listing = page.locator(".mcp-listing-tools")
            listing.wait_for(timeout=60_000)
            markup = listing.inner_html()
            for raw in ("input_schema", "properties", "additionalProperties", "output_schema"):
                assert raw not in markup, raw
            assert "demo.add" in markup and "read-only" in markup and "destructive" in markup
            listing.scroll_into_view_if_needed()
            listing.screenshot(path=artifacts / "4-tools-listing.png")
            page.set_viewport_size({"width": 1300, "height": 1500})  # the dashboard and the whole listing
            page.locator(".mcp-dashboard").scroll_into_view_if_needed()
            page.screenshot(path=artifacts / "5-dashboard-and-listing.png")
            page.set_viewport_size({"width": 1400, "height": 1000})
            if os.environ.get("MCP_WORKBENCH_UPDATE_DOCS"):
                shutil.copy(artifacts / "5-dashboard-and-listing.png", ROOT / "docs" / "dashboard.png")

            step = "after a kernel restart the old dashboard says its kernel went away"
            assert not page.is_visible(".mcp-kernel-gone")
            page.click("text=Kernel")
            page.click("text=Restart Kernel…")
            page.click(".jp-Dialog-button.jp-mod-accept")
            page.wait_for_selector(".mcp-kernel-gone", state="visible", timeout=60_000)
            assert "Re-run its cell" in page.inner_text(".mcp-kernel-gone")
            page.locator(".mcp-dashboard").scroll_into_view_if_needed()
            assert not page.is_visible(".mcp-kernel-notice")  # the banner says it; the notice stays hidden
            page.screenshot(path=artifacts / "6-kernel-gone.png")

            step = "reopened after the kernel went away: the widget cannot be drawn, the notice says why"
            page.click(".jp-Notebook")
            page.keyboard.press("Control+s")
            page.wait_for_selector(".jp-mod-dirty", state="detached", timeout=30_000)
            page.reload()
            page.wait_for_selector(".mcp-kernel-notice", state="visible", timeout=60_000)
            assert "Re-run its cell" in page.inner_text(".mcp-kernel-notice")
            assert page.locator(".mcp-dashboard").count() == 0  # JupyterLab: "Error displaying widget: model not found"
            page.screenshot(path=artifacts / "7-reopened.png")
        except Exception as exc:
            page.screenshot(path=artifacts / "failure.png", full_page=True)
            tail = lab["log"].read_text()[-3000:]
            raise AssertionError(f"failed at step {step!r}; screenshots in {artifacts}; jupyter lab log tail:\n{tail}") from exc
