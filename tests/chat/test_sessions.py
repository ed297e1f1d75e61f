"""Rooms → sessions → messages: persisted in the repository, resumed by name in a new
workbench (a kernel restart), kept in memory without a store; listings and transcripts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.chat.conftest import FAST, assert_pairs_intact
from tests.openai_stub import OpenAIStub, text, tool_calls
from tests.servers import DEMO_ARGS


def test_resume_after_a_restart(bench: Callable[..., Any], stub: OpenAIStub) -> None:
    options = {"base_url": stub.url, "api_key": "sk-test", **FAST}
    first = bench()
    first.connect("demo", command="python", args=DEMO_ARGS)
    stub.script(tool_calls(("demo__add", {"a": 20, "b": 22})), text("It is 42."))
    chat = first.chat(model="gpt-a", servers=["demo"], system="Be brief.", session="trip", room="work", **options)
    chat.send("What is 20+22?")
    first.close()  # its servers end; its store stays open, as a dead kernel's file would be

    second = bench()  # a new kernel: same store, nothing in memory
    listing = second.chats()
    assert list(listing.columns) == ["room", "session", "id", "model", "servers", "messages", "created", "updated"]
    row = listing.set_index("session").loc["trip"]
    assert (row.room, row.model, row.servers, row.messages) == ("work", "gpt-a", ["demo"], 5)
    second.connect("demo", command="python", args=DEMO_ARGS)
    resumed = second.chat(session="trip", room="work", **options)
    assert (resumed.settings.model, resumed.servers, resumed.system) == ("gpt-a", ["demo"], "Be brief.")
    frame = resumed.messages()
    assert list(frame["role"]) == ["system", "user", "assistant", "tool", "assistant"]
    stub.script(text("Still 42."))
    assert resumed.send("And again?").text == "Still 42."
    sent = stub.requests[-1]
    assert sent["model"] == "gpt-a"
    assert [m["role"] for m in sent["messages"]] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert sent["messages"][3]["content"] == "42" and sent["messages"][-2]["content"] == "It is 42."
    assert_pairs_intact(sent["messages"])
    assert second.chats().set_index("session").loc["trip", "messages"] == 7


def test_same_name_same_chat_and_a_new_system_prompt(bench: Callable[..., Any], stub: OpenAIStub) -> None:
    wb = bench()
    options = {"base_url": stub.url, "api_key": "sk-test", **FAST}
    a = wb.chat(servers=[], session="s", system="one", **options)
    stub.script(text("hi"))
    a.send("hello")
    b = wb.chat(session="s", system="two", **options)
    assert b.messages()["role"].tolist() == ["system", "user", "assistant", "system"]
    stub.script(text("hi again"))
    b.send("hello?")
    assert stub.requests[-1]["messages"][0] == {"role": "system", "content": "two"}
    assert [m["role"] for m in stub.requests[-1]["messages"]].count("system") == 1
    unnamed = wb.chat(servers=[], **options)
    assert unnamed.name.startswith("chat-") and len(wb.chats()) == 2


def test_memory_store_without_a_repository(bench: Callable[..., Any], stub: OpenAIStub) -> None:
    wb = bench(store=False)
    assert wb.catalog_sync is None
    stub.script(text("kept in memory"))
    wb.chat(servers=[], session="m", base_url=stub.url, api_key="sk-test", **FAST).send("hi")
    assert wb.chats()[["session", "messages"]].values.tolist() == [["m", 2]]
    assert wb.chat(session="m").messages()["content"].tolist() == ["hi", "kept in memory"]


def test_export_markdown(demo: Any, stub: OpenAIStub, tmp_path: Path) -> None:
    stub.script(tool_calls(("demo__echo", {"text": "```fenced```"})), text("Echoed **it**."))
    chat = demo.chat(servers=["demo"], system="sys", session="export", base_url=stub.url, api_key="sk-test", **FAST)
    chat.send("echo a fence")
    path = chat.export(tmp_path / "chat.md")
    md = path.read_text()
    assert md.startswith("# Chat export\n") and "- **servers**: demo" in md
    assert "## user\n\necho a fence" in md and "## assistant\n\nEchoed **it**." in md
    assert '**tool call** `demo.echo`\n\n```json\n{"text": "```fenced```"}\n```' not in md  # the fence is widened
    assert '````json\n{"text": "```fenced```"}\n````' in md
    assert "<details><summary>result of <code>demo.echo</code></summary>" in md
