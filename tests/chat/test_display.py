"""The live view in a real IPython shell: one output updated in place (display_id), rendered
in the calling thread, escaped, with tool cards (long ones collapsed) and a usage line."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell

from mcp_workbench.chat.display import ChatDisplay
from tests.openai_stub import OpenAIStub, text, tool_calls


class Recorder(DisplayPublisher):
    def __init__(self) -> None:
        super().__init__()
        self.published: list[dict[str, Any]] = []

    def publish(self, data: Any, metadata: Any = None, source: Any = None, *, transient: Any = None,
                update: bool = False, **kwargs: Any) -> None:  # fmt: skip
        self.published.append({"data": data, "transient": transient or {}, "update": update,
                               "main_thread": threading.current_thread() is threading.main_thread()})  # fmt: skip


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    shell = InteractiveShell.instance()
    original = shell.display_pub
    shell.display_pub = Recorder()
    yield shell
    shell.display_pub = original


def test_rich_view_updates_one_output(shell: InteractiveShell, demo: Any, stub: OpenAIStub, chat_options: dict) -> None:
    stub.script(
        tool_calls(("demo__add", {"a": 2, "b": 3}), ("demo__echo", {"text": "z" * 600})),
        text("<b>five</b> " + "and more words " * 20, chunk_size=2),
    )
    chat = demo.chat(servers=["demo"], **chat_options)
    chat.send("add", display="rich")
    published = shell.display_pub.published  # type: ignore[attr-defined]
    ids = {p["transient"].get("display_id") for p in published}
    assert len(ids) == 1 and None not in ids
    assert not published[0]["update"] and all(p["update"] for p in published[1:])
    assert all(p["main_thread"] for p in published)
    assert len(published) < 100  # 150 streamed chunks, throttled
    html = published[-1]["data"]["text/html"]
    assert "&lt;b&gt;five&lt;/b&gt;" in html and "<b>five</b>" not in html
    add_card, echo_card = html.split("<details")[1:3]
    assert add_card.startswith(" open") and "<b>demo.add</b>" in add_card and ">5</pre>" in add_card
    assert not echo_card.startswith(" open") and "result (600 characters)" in echo_card  # long: collapsed
    assert "tokens in" in html and "2 tool calls" in html
    plain = published[-1]["data"]["text/plain"]
    assert plain.startswith("[demo.add") and "<b>five</b>" in plain and "2 tool calls" in plain.splitlines()[-1]


def test_text_view_and_auto_mode(shell: InteractiveShell, demo: Any, stub: OpenAIStub, chat_options: dict) -> None:
    assert ChatDisplay("auto").mode == "text"  # an IPython shell without a kernel: plain text
    assert ChatDisplay("none").mode == "none"
    out = io.StringIO()
    stub.script(tool_calls(("demo__add", {"a": 1, "b": 1})), text("two"))
    demo.chat(servers=["demo"], **chat_options).send("1+1", display=ChatDisplay("text", stream=out))
    printed = out.getvalue()
    assert '→ demo.add({"a": 1, "b": 1})' in printed and "← demo.add ok" in printed and ": 2\n" in printed
    assert "two\n" in printed and "1 tool call ·" in printed
    events: list[dict[str, Any]] = []
    stub.script(text("to a function"))
    demo.chat(servers=[], **chat_options).send("hi", display=events.append)  # e.g. a widget
    assert events[0]["type"] == "start" and events[-1]["type"] == "done"
