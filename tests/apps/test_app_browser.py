"""MCP Apps in a real browser: JupyterLab on loopback, Debian's ``chromium`` driven by playwright.

A person's path: call the demo's counter tool in a cell and click "+1" inside its sandboxed
iframe (the server counts, the app shows the new value, history shows the app's call); do the
same from the dashboard's Tools tab and inside a chat turn with a scripted model (whose next
requests carry the app's ``ui/message`` and ``ui/update-model-context``); then render the
published example server-basic-vanillajs's ``get-time`` app and press its "Get Server Time".
The screenshot of the counter's cell is saved to ``docs/mcp-app.png`` (the README shows it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import CELL, artifacts_for, browser, jupyter_lab, output_text, run_cell, skip_without_browser
from tests.openai_stub import OpenAIStub, text, tool_calls
from tests.servers import ROOT
from tests.third_party import ThirdPartyServerUnavailable, basic_apps_command

skip_without_browser()

from playwright.sync_api import Page, expect  # noqa: E402 (after the skip: playwright may be missing)

SCREENSHOT = ROOT / "docs" / "mcp-app.png"
SETUP, COUNTER, CHECK, DASHBOARD, CHAT, BASIC, BASIC_CHECK = range(7)


def cells(stub_url: str, basic: list[str]) -> list[str]:
    return [
        "import os\nimport mcp_workbench\nwb = mcp_workbench.workbench()\n"  # the demo of this checkout:
        "wb.connect('demo', command='python', args=['-m', 'mcp_workbench.demo'], env={'PYTHONPATH': os.environ['PYTHONPATH']})\n"
        f"wb.connect('basic', command={basic[0]!r}, args={basic[1:]!r})",
        "r = wb.call('demo.counter')\nr",
        "print('calls:', ' '.join(wb.history(server='demo')['tool']), '| count:', wb.call('demo.counter').structured['count'])",
        "%load_ext mcp_workbench\n%mcp ui",
        f"chat = wb.chat(model='scripted', base_url={stub_url!r}, api_key='sk-test', servers=['demo'], session='apps')\n"
        "reply = chat.send('Show me the counter')",
        "wb.call('basic.get-time')",
        "print('get-time calls:', int((wb.history(server='basic')['tool'] == 'get-time').sum()))",
    ]


@pytest.fixture
def basic() -> list[str]:
    try:
        return basic_apps_command()
    except ThirdPartyServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)  # .ci/install.sh installs it; missing means a broken setup


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server
    assert server.unexpected == [], server.unexpected


@pytest.fixture
def lab(tmp_path: Path, stub: OpenAIStub, basic: list[str]) -> Iterator[dict[str, Any]]:
    with jupyter_lab(tmp_path, cells(stub.url, basic), name="apps.ipynb") as served:
        yield served


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with browser(tmp_path) as opened:
        yield opened


def app_frame(page: Page, scope: str) -> Any:
    return page.locator(scope).locator(".mcp-app iframe").last.content_frame


def test_apps_render_and_work_in_a_cell_the_dashboard_and_a_chat(
    lab: dict[str, Any], page: Page, stub: OpenAIStub, request: pytest.FixtureRequest
) -> None:
    artifacts = artifacts_for(request)
    stub.script(tool_calls(("demo__counter", {})), text("Here is the counter."), text("Noted: the counter is at 3."))
    cell = lambda i: page.locator(CELL).nth(i)  # noqa: E731
    step = "open the notebook"
    try:
        page.goto(lab["url"])
        step = "connect the demo and basic-vanillajs servers"
        run_cell(page, SETUP)

        step = "wb.call shows the counter app above its result"
        run_cell(page, COUNTER)
        app = cell(COUNTER).locator(".mcp-app iframe").content_frame
        expect(app.locator("#count")).to_have_text("0", timeout=30_000)  # from ui/notifications/tool-result
        assert "ui://demo/counter.html" in cell(COUNTER).locator(".mcp-app-header").inner_text()
        assert "network: none" in cell(COUNTER).locator(".mcp-app-policy").inner_text()
        assert "result of demo.counter" in cell(COUNTER).locator(".mcp-app-result").inner_text()  # below the app
        assert cell(COUNTER).locator(".mcp-app iframe").get_attribute("sandbox") == "allow-scripts"

        step = "click +1 inside the iframe: the server counts, the app shows it"
        app.locator("#increment").click()
        expect(app.locator("#count")).to_have_text("1", timeout=30_000)
        height = cell(COUNTER).locator(".mcp-app iframe").evaluate("e => e.style.height")
        assert height != "120px", height  # ui/notifications/size-changed resized the cell
        # docs/mcp-app.png: the app with its header, not the result below it (whose duration
        # changes every run), so the committed picture stays the same while the app does
        top = cell(COUNTER).locator(".mcp-app-header").bounding_box()
        frame = cell(COUNTER).locator(".mcp-app-frame").bounding_box()
        assert top is not None and frame is not None
        page.screenshot(path=SCREENSHOT, clip={"x": frame["x"] - 4, "y": top["y"] - 4, "width": frame["width"] + 8,
                                               "height": frame["y"] + frame["height"] - top["y"] + 8})  # fmt: skip
        page.screenshot(path=artifacts / "1-cell.png")
        run_cell(page, CHECK)
        checked = output_text(page, CHECK)
        assert re.search(r"calls: counter ui://demo/counter\.html increment .*\| count: 1", checked), checked

        step = "the same app from the dashboard's Tools tab"
        run_cell(page, DASHBOARD)
        board = cell(DASHBOARD)
        board.locator(".mcp-dashboard .lm-TabBar-tab:has-text('Tools')").click()
        board.locator(".mcp-tool-list select").select_option(label="demo.counter")
        board.locator(".mcp-tool-call").click()
        in_board = board.locator(".mcp-tool-result .mcp-app iframe").content_frame
        expect(in_board.locator("#count")).to_have_text("1", timeout=30_000)
        in_board.locator("#increment").click()
        expect(in_board.locator("#count")).to_have_text("2", timeout=30_000)
        page.screenshot(path=artifacts / "2-dashboard.png")

        step = "the same app inside a chat turn (scripted model)"
        run_cell(page, CHAT)
        in_chat = cell(CHAT).locator(".mcp-app iframe").content_frame
        expect(in_chat.locator("#count")).to_have_text("2", timeout=30_000)
        in_chat.locator("#increment").click()
        expect(in_chat.locator("#count")).to_have_text("3", timeout=30_000)
        in_chat.locator("#tell").click()  # ui/message: the chat's next turn
        expect(cell(CHAT).locator(".mcp-app-chat")).to_contain_text("Noted: the counter is at 3.", timeout=30_000)
        page.screenshot(path=artifacts / "3-chat.png")
        offered = {t["function"]["name"] for t in stub.requests[0]["tools"]}
        assert {"demo__counter", "demo__reset"} <= offered and "demo__increment" not in offered, offered
        follow_up = stub.requests[2]["messages"]
        assert {"role": "user", "content": "The counter is at 3."} in follow_up
        contexts = [m["content"] for m in follow_up if m["role"] == "system"]
        assert any("demo.counter" in c and "The counter app shows 3." in c for c in contexts), contexts

        step = "server-basic-vanillajs's get-time app, and its Get Server Time button"
        run_cell(page, BASIC)
        clock = cell(BASIC).locator(".mcp-app iframe").content_frame
        expect(clock.locator("#server-time")).to_have_text(re.compile(r"^\d{4}-\d\d-\d\dT"), timeout=30_000)
        clock.locator("#get-time-btn").click()
        # the click's call runs in the kernel while the page goes on: ask again until it is in the history
        for _ in range(20):
            run_cell(page, BASIC_CHECK)
            if "get-time calls: 2" in output_text(page, BASIC_CHECK):
                break
        expect(cell(BASIC_CHECK).locator(".jp-OutputArea")).to_contain_text("get-time calls: 2", timeout=10_000)

        step = "ui/open-link shows the link to the user (who may open it); ui/message outside a chat is kept"
        clock.locator("#open-link-btn").click()
        expect(cell(BASIC).locator(".mcp-app-link")).to_contain_text("https://modelcontextprotocol.io/", timeout=10_000)
        clock.locator("#send-message-btn").click()
        expect(cell(BASIC).locator(".mcp-app-status")).to_contain_text("This is message text.", timeout=10_000)
        page.screenshot(path=artifacts / "4-basic.png")

        step = "JupyterLab's dark theme reaches the apps (ui/notifications/host-context-changed)"
        page.click("li.lm-MenuBar-item:has-text('Settings')")
        page.hover(".lm-Menu-item:has-text('Theme')")
        page.click(".lm-Menu-item:has-text('JupyterLab Dark')")
        expect(app.locator("body")).to_have_class(re.compile(r"\bdark\b"), timeout=30_000)
    except Exception as exc:
        page.screenshot(path=artifacts / "failure.png", full_page=True)
        tail = lab["log"].read_text()[-3000:]
        raise AssertionError(f"failed at step {step!r}; screenshots in {artifacts}; jupyter lab log tail:\n{tail}") from exc
