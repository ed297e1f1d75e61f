"""MCP Apps in a chat (scripted model, real demo server) and in the dashboard, without a browser:
the model is offered the tools visible to it, an app shows after its tool's card, the app's
``ui/message`` starts the chat's next turn and its ``ui/update-model-context`` reaches the model."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from mcp_workbench import Workbench
from mcp_workbench.chat.display import ChatDisplay
from tests.apps.conftest import ScriptedApp, close_answering
from tests.openai_stub import OpenAIStub, text, tool_calls
from tests.servers import wait_until

WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIStub]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")  # the dashboard's chat reads the key from here
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with OpenAIStub() as server:
        yield server
    assert server.unexpected == [], server.unexpected


def shown_apps(chat: Any) -> tuple[ChatDisplay, list[tuple[Any, str]]]:
    """A turn display that collects the apps it shows (and the turn's HTML up to each)."""
    apps: list[tuple[Any, str]] = []
    return ChatDisplay("none", chat=chat, on_app=lambda app, finished: apps.append((app, finished.html()))), apps


def test_an_app_shows_after_its_card_and_the_model_never_sees_app_only_tools(bench: Workbench, stub: OpenAIStub) -> None:
    stub.script(tool_calls(("demo__counter", {})), text("Here is the counter."))
    chat = bench.chat(model="scripted", base_url=stub.url, servers=["demo"], retry_backoff=0.01)
    display, apps = shown_apps(chat)
    reply = chat.send("Show me the counter", display=display)
    offered = {tool["function"]["name"] for tool in stub.requests[0]["tools"]}
    assert {"demo__counter", "demo__reset", "demo__add"} <= offered and "demo__increment" not in offered
    ((app, before),) = apps
    assert app is reply.tool_calls[0].result.app and app.chat is chat and not app.show_result
    assert "demo.counter" in before and "Here is the counter." not in before  # the card, then the app...
    assert "Here is the counter." in display.view.html()  # ...then the rest of the turn below it
    close_answering(app)


def test_an_apps_message_starts_the_next_turn_and_its_context_reaches_the_model(bench: Workbench, stub: OpenAIStub) -> None:
    gate = threading.Event()  # holds the app's turn at the model until the test lets it go
    stub.script(tool_calls(("demo__counter", {})), text("Here is the counter."),
                text("Noted: 7.", check=lambda _body: gate.wait(60)), text("Still 7."))  # fmt: skip
    chat = bench.chat(model="scripted", base_url=stub.url, servers=["demo"], retry_backoff=0.01)
    display, apps = shown_apps(chat)
    chat.send("Show me the counter", display=display)
    ((app, _),) = apps
    scripted = ScriptedApp(app)
    scripted.initialize()
    context = {"content": [{"type": "text", "text": "The counter app shows 7."}]}
    assert scripted.request("ui/update-model-context", context)["result"] == {}
    message = {"role": "user", "content": [{"type": "text", "text": "The counter is at 7."}]}
    assert scripted.request("ui/message", message)["result"] == {}  # taken: the turn runs
    assert wait_until(lambda: chat.busy, timeout=30)
    assert scripted.request("ui/message", message)["result"] == {"isError": True}  # one turn at a time
    gate.set()
    assert wait_until(lambda: "Noted: 7." in app.chat_html, timeout=30), app.chat_html
    assert "<b>the app</b>: The counter is at 7." in app.chat_html
    request = stub.requests[2]["messages"]
    assert {"role": "user", "content": "The counter is at 7."} in request
    notes = [m["content"] for m in request if m["role"] == "system"]
    assert notes == [f"Context from the app demo.counter ({app.uri}): The counter app shows 7."]
    chat.send("And now?", display="none")  # later turns keep the app's latest context
    assert notes[0] in [m["content"] for m in stub.requests[3]["messages"] if m["role"] == "system"]
    close_answering(app)


def test_the_dashboard_shows_apps_in_its_result_area_and_its_chat(bench: Workbench, stub: OpenAIStub) -> None:
    InteractiveShell.instance()  # results in the panel are formatted by IPython's display formatter
    board = bench.dashboard()
    tools = board.panels["Tools"]
    tools.listing.value = "demo.counter"
    tools.call_button.click()
    assert wait_until(lambda: not tools.pending and tools.result.outputs, timeout=30)
    (output,) = tools.result.outputs
    assert WIDGET in output["data"] and "needs a live kernel" in output["data"]["text/html"]

    stub.script(tool_calls(("demo__counter", {})), text("Here is the counter."))
    panel = board.panels["Chat"]
    panel.base_url.value = stub.url
    panel.text.value = "Show me the counter"
    panel.send_button.click()
    assert wait_until(lambda: not panel.pending, timeout=30), panel.status.value
    user, card, app, rest = panel.transcript.children
    assert "Show me the counter" in user.value and "demo.counter" in card.value
    assert app.uri == "ui://demo/counter.html" and app.chat is panel.session
    assert "Here is the counter." in rest.value and "Here is the counter." not in card.value
    panel.new_chat()  # the transcript lets go of the app before it is closed (no open widget holds a closed one)
    close_answering(app)
    board.close()
