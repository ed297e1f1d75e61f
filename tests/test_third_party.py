"""Real third-party MCP servers through the workbench API (``Workbench``, not the raw client).

- ``@modelcontextprotocol/server-everything`` (npm, installed into ``.ci/node`` by
  ``.ci/install.sh``) over stdio, Streamable HTTP and SSE: every listing, the common tools,
  progress, annotations, images, structured output, and the server-to-client requests
  (sampling, elicitation, roots) answered by ``ClientCallbacks``.
- ``mcp-server-time`` and, briefly, ``mcp-server-git`` (PyPI) over stdio.

A missing install FAILS these tests (CI installs everything first) with a message that
says to run ``.ci/install.sh``. Every test ends by closing its workbench(es) and checking
that no child process of this test run is left behind.
"""

from __future__ import annotations

import asyncio
import json
import logging
import struct
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest

from mcp_workbench import ArgumentError, Workbench
from mcp_workbench.core.connection import ClientCallbacks
from mcp_workbench.views.frames import PROMPT_COLUMNS, RESOURCE_COLUMNS, SERVER_COLUMNS, TEMPLATE_COLUMNS, TOOL_COLUMNS
from tests import third_party
from tests.servers import descendants, wait_until
from tests.third_party import ThirdPartyServerUnavailable, everything_command, everything_http

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# What server-everything 2026.8.31 (`.ci/install.sh` pins it) exposes. Seven of its tools are
# registered only after the handshake and only for a client that advertises the capability they
# need: sampling, elicitation and roots here, so they show up only with those callbacks.
EVERYTHING_BASE_TOOLS = {
    "echo", "get-annotated-message", "get-env", "get-resource-links", "get-resource-reference",
    "get-structured-content", "get-sum", "get-tiny-image", "gzip-file-as-resource",
    "toggle-simulated-logging", "toggle-subscriber-updates", "trigger-long-running-operation",
    "simulate-research-query",
}  # fmt: skip
EVERYTHING_SAMPLING_ELICITATION_TOOLS = {
    "trigger-sampling-request", "trigger-elicitation-request", "trigger-url-elicitation",
}  # fmt: skip
EVERYTHING_ROOTS_TOOLS = {"get-roots-list"}
EVERYTHING_PROMPTS = {"simple-prompt", "args-prompt", "completable-prompt", "resource-prompt"}
EVERYTHING_DOCS = ["architecture", "extension", "features", "how-it-works", "instructions", "startup", "structure"]
EVERYTHING_RESOURCES = {f"demo://resource/static/document/{doc}.md" for doc in EVERYTHING_DOCS}
EVERYTHING_TEMPLATES = {"demo://resource/dynamic/text/{resourceId}", "demo://resource/dynamic/blob/{resourceId}"}

GIT_TOOLS = {
    "git_status", "git_diff_unstaged", "git_diff_staged", "git_diff", "git_commit", "git_add", "git_reset",
    "git_log", "git_create_branch", "git_checkout", "git_show", "git_branch",
}  # fmt: skip


# --------------------------------------------------------------------------- helpers, fixtures
def _require(get: Callable[[], Any]) -> Any:
    """Run an install lookup; a missing install fails the test (not a skip: CI installs it)."""
    try:
        return get()
    except ThirdPartyServerUnavailable as exc:
        pytest.fail(f"{exc}", pytrace=False)


def everything_argv(transport: str = "stdio") -> list[str]:
    """The local server-everything (never the npx fallback: no network at test time)."""
    return _require(lambda: everything_command(transport, allow_npx=False))  # type: ignore[arg-type]


def python_server(module: str, *args: str) -> dict[str, Any]:
    """``connect`` options for a PyPI reference server run by this interpreter."""
    dist = module.replace("_", "-")
    _require(lambda: third_party._require_module(module, dist))
    return {"command": "python", "args": ["-m", module, *args]}


@dataclass
class Client:
    """Scripted answers to server-to-client requests, and a record of what the server asked."""

    sampled: list[types.CreateMessageRequestParams] = field(default_factory=list)
    elicited: list[Any] = field(default_factory=list)
    roots_asked: int = 0

    async def sampling(self, context: Any, params: types.CreateMessageRequestParams) -> types.CreateMessageResult:
        self.sampled.append(params)
        prompt = params.messages[-1].content
        text = getattr(prompt, "text", "")
        return types.CreateMessageResult(
            role="assistant",
            content=types.TextContent(type="text", text=f"scripted answer to: {text}"),
            model="workbench-test-model",
            stop_reason="endTurn",
        )

    async def elicitation(self, context: Any, params: Any) -> types.ElicitResult:
        self.elicited.append(params)
        return types.ElicitResult(action="accept", content={"name": "Ada Lovelace", "check": True, "integer": 7})

    async def list_roots(self, context: Any) -> types.ListRootsResult:
        self.roots_asked += 1
        return types.ListRootsResult(roots=[types.Root(uri="file:///tmp/workbench-root", name="workbench-root")])

    def callbacks(self, *, roots: bool = True) -> ClientCallbacks:
        return ClientCallbacks(
            sampling=self.sampling, elicitation=self.elicitation, list_roots=self.list_roots if roots else None
        )


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Callable[..., Workbench]]:
    """Makes workbenches (each on its own SQLite catalog); closes them all after the test and
    checks that no child process is left."""
    before = descendants()
    made: list[Workbench] = []

    def make(callbacks: ClientCallbacks | None = None) -> Workbench:
        wb = Workbench(idle_timeout=None, callbacks=callbacks, store=tmp_path / f"catalog-{len(made)}.sqlite")
        made.append(wb)
        return wb

    yield make
    for wb in made:
        wb.close()
        if wb.catalog_sync is not None:
            wb.catalog_sync.close()
    assert wait_until(lambda: not (descendants() - before), timeout=10), (
        f"processes left behind after wb.close(): {_commands(descendants() - before)}"
    )


def _commands(pids: set[int]) -> list[str]:
    out = []
    for pid in sorted(pids):
        try:
            out.append(f"{pid}: " + Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip())
        except OSError:
            out.append(f"{pid}: (gone)")
    return out


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def everything(bench: Callable[..., Workbench], client: Client) -> Workbench:
    """server-everything over stdio as ``ev``, with sampling, elicitation and roots callbacks.

    The server asks for the roots 350 ms after the handshake; waiting for that here keeps the
    tests deterministic, and the close fast (a server closed while that request is still on its
    way does not exit on end of input, and the SDK only ends it with SIGTERM after 2 s).
    """
    argv = everything_argv("stdio")
    wb = bench(client.callbacks())
    wb.connect("ev", command=argv[0], args=argv[1:])
    assert wait_until(lambda: client.roots_asked >= 1, timeout=5), "server-everything never asked for the roots"
    return wb


# --------------------------------------------------------------------------- server-everything: listings
def test_everything_lists_tools_prompts_resources_and_templates(everything: Workbench) -> None:
    servers = everything.servers()
    assert list(servers.columns) == SERVER_COLUMNS
    row = servers.set_index("name").loc["ev"]
    assert row.transport == "stdio" and row.status == "connected" and row.last_error is None
    assert row.server_name == "mcp-servers/everything" and row.server_version == "2.0.0"
    assert row.protocol_version == "2025-11-25"  # no server/discover: the handshake fallback
    assert (row.tools, row.prompts, row.resources) == (17, 4, 7)

    tools = everything.tools("ev")
    assert list(tools.columns) == TOOL_COLUMNS
    assert set(tools["name"]) == EVERYTHING_BASE_TOOLS | EVERYTHING_SAMPLING_ELICITATION_TOOLS | EVERYTHING_ROOTS_TOOLS
    by_name = tools.set_index("name")
    assert by_name.loc["get-sum", "params"] == ["a", "b"] and by_name.loc["get-sum", "required"] == ["a", "b"]
    assert by_name.loc["trigger-long-running-operation", "required"] == []
    assert by_name.loc["trigger-sampling-request", "required"] == ["prompt"]
    assert by_name.loc["echo", "read_only"] and not by_name.loc["echo", "destructive"]
    assert not by_name.loc["toggle-simulated-logging", "read_only"]
    assert not by_name["destructive"].any()
    assert set(by_name.loc["get-structured-content", "output_schema"]["properties"]) == {
        "temperature", "conditions", "humidity",
    }  # fmt: skip
    assert by_name["output_schema"].notna().sum() == 1  # only get-structured-content declares one
    assert list(everything.tools(search="sum")["name"]) == ["get-sum"]

    prompts = everything.prompts("ev")
    assert list(prompts.columns) == PROMPT_COLUMNS
    assert set(prompts["name"]) == EVERYTHING_PROMPTS
    args_prompt = prompts.set_index("name").loc["args-prompt"]
    assert args_prompt.arguments == ["city", "state"] and args_prompt.required == ["city"]

    resources = everything.resources("ev")
    assert list(resources.columns) == RESOURCE_COLUMNS
    assert set(resources["uri"]) == EVERYTHING_RESOURCES and len(resources) == 7
    assert set(resources["mime_type"]) == {"text/markdown"}

    templates = everything.resource_templates("ev")
    assert list(templates.columns) == TEMPLATE_COLUMNS
    assert set(templates["uri_template"]) == EVERYTHING_TEMPLATES
    assert set(templates["mime_type"]) == {"text/plain", "application/octet-stream"}


def test_capability_dependent_tools_follow_the_callbacks(bench: Callable[..., Workbench], client: Client) -> None:
    argv = everything_argv("stdio")
    plain = bench()  # no callbacks: the client advertises no sampling / elicitation / roots
    info = plain.connect("ev", command=argv[0], args=argv[1:])
    assert info.tools == 13 and info.prompts == 4 and info.resources == 7 and info.templates == 2
    assert set(plain.tools("ev")["name"]) == EVERYTHING_BASE_TOOLS

    no_roots = bench(client.callbacks(roots=False))
    no_roots.connect("ev", command=argv[0], args=argv[1:])
    assert set(no_roots.tools("ev")["name"]) == EVERYTHING_BASE_TOOLS | EVERYTHING_SAMPLING_ELICITATION_TOOLS


def test_list_changed_during_connect_is_not_reported_as_a_failure(
    bench: Callable[..., Workbench], client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    """server-everything registers its capability-dependent tools right after the handshake and
    sends ``notifications/tools/list_changed`` for each while the workbench is still loading its
    listings. That must neither warn "not connected; reconnect" nor lose the tools."""
    argv = everything_argv("stdio")
    wb = bench(client.callbacks())
    with caplog.at_level(logging.WARNING, logger="mcp_workbench"):
        wb.connect("ev", command=argv[0], args=argv[1:])
        assert wb.call("ev.echo", message="settle").text == "Echo: settle"  # one more round trip
        assert wait_until(lambda: client.roots_asked >= 1, timeout=5)  # (and a fast close, see `everything`)
    assert len(wb.tools("ev")) == 17
    warnings = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [], warnings


# --------------------------------------------------------------------------- server-everything: calls
def test_echo_and_get_sum(everything: Workbench) -> None:
    r = everything.call("ev.echo", message="hello workbench")
    assert not r.is_error and r.text == "Echo: hello workbench" and r.structured is None and r.df is None
    assert r.duration_ms > 0 and r.images == []

    assert everything.call("ev.get-sum", a=2, b=40).text == "The sum of 2 and 40 is 42."
    assert everything.call("ev.get-sum", {"a": 1.5, "b": 2}).text == "The sum of 1.5 and 2 is 3.5."
    with pytest.raises(ArgumentError, match=r"ev\.get-sum: argument 'a' must be a number, got str"):
        everything.call("ev.get-sum", a="two", b=40)
    with pytest.raises(ArgumentError, match=r"ev\.echo: missing required argument 'message'"):
        everything.call("ev.echo")

    history = everything.history()
    assert list(history["tool"]) == ["echo", "get-sum", "get-sum"]  # invalid calls were never sent
    assert list(history["status"]) == ["ok", "ok", "ok"]
    assert everything.stats()["calls_by_server"] == {"ev": 3}
    assert everything.tools("ev").set_index("name").loc["get-sum", "calls"] == 2


def test_tiny_image_is_a_real_png(everything: Workbench) -> None:
    r = everything.call("ev.get-tiny-image", {})
    assert not r.is_error
    assert r.text == "Here's the image you requested:\nThe image above is the MCP logo."
    assert len(r.images) == 1
    image = r.images[0]
    assert image.mime_type == "image/png" and image.data.startswith(PNG_MAGIC)
    # The IHDR chunk comes first: 13 bytes of data, then width and height (big-endian).
    length, kind, width, height = struct.unpack(">I4sII", image.data[8:24])
    assert (length, kind, (width, height)) == (13, b"IHDR", (20, 20))
    assert image.data.endswith(b"IEND\xaeB`\x82")
    assert 'src="data:image/png;base64,' in r._repr_mimebundle_()["text/html"]


def test_structured_content_and_its_dataframe(everything: Workbench) -> None:
    r = everything.call("ev.get-structured-content", location="Chicago")
    assert not r.is_error
    assert r.structured == {"temperature": 36, "conditions": "Light rain / drizzle", "humidity": 82}
    assert json.loads(r.text) == r.structured  # the backwards-compatible text block
    assert list(r.df.columns) == ["temperature", "conditions", "humidity"] and len(r.df) == 1
    assert r.df.iloc[0]["conditions"] == "Light rain / drizzle"
    assert "application/json" not in r._repr_mimebundle_() and r.structured
    # The enum in the tool's (draft-07) inputSchema is checked before anything is sent.
    with pytest.raises(ArgumentError, match=r"ev\.get-structured-content: argument 'location'"):
        everything.call("ev.get-structured-content", location="Paris")


def test_long_running_operation_reports_every_step(everything: Workbench) -> None:
    seen: list[tuple[float, float | None, str | None]] = []
    r = everything.call(
        "ev.trigger-long-running-operation", {"duration": 0.4, "steps": 4}, on_progress=lambda *a: seen.append(a)
    )
    assert r.text == "Long running operation completed. Duration: 0.4 seconds, Steps: 4."
    assert [(p, t) for p, t, _ in seen] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert r.duration_ms >= 350

    async def main() -> tuple[str, list[float]]:
        steps: list[float] = []

        async def record(progress: float, total: float | None, message: str | None) -> None:
            steps.append(progress)

        result = await everything.acall(
            "ev.trigger-long-running-operation", {"duration": 0.2, "steps": 2}, on_progress=record
        )
        return result.text, steps

    text, steps = asyncio.run(main())
    assert text.endswith("Steps: 2.") and steps == [1, 2]


def test_annotated_message_keeps_its_annotations(everything: Workbench) -> None:
    r = everything.call("ev.get-annotated-message", messageType="error", includeImage=True)
    assert r.text == "Error: Operation failed" and not r.is_error
    text_block, image_block = r.content
    assert text_block.annotations.priority == 1.0 and text_block.annotations.audience == ["user", "assistant"]
    assert image_block.annotations.priority == 0.5 and image_block.annotations.audience == ["user"]
    assert len(r.images) == 1 and r.images[0].data.startswith(PNG_MAGIC)

    debug = everything.call("ev.get-annotated-message", messageType="debug")
    assert debug.text.startswith("Debug: ") and debug.images == []
    assert debug.content[0].annotations.audience == ["assistant"]


def test_sampling_request_is_answered_by_the_callback(everything: Workbench, client: Client) -> None:
    r = everything.call("ev.trigger-sampling-request", prompt="What is 2+2?", maxTokens=20)
    assert not r.is_error, r.text
    assert len(client.sampled) == 1
    asked = client.sampled[0]
    assert asked.max_tokens == 20 and asked.system_prompt == "You are a helpful test server."
    assert asked.messages[0].role == "user"
    assert asked.messages[0].content.text == "Resource trigger-sampling-request context: What is 2+2?"
    head, _, payload = r.text.partition("\n")
    assert head.startswith("LLM sampling result:")
    answer = json.loads(payload)
    assert answer["model"] == "workbench-test-model" and answer["role"] == "assistant"
    assert answer["content"]["text"] == "scripted answer to: Resource trigger-sampling-request context: What is 2+2?"


def test_elicitation_request_is_answered_by_the_callback(everything: Workbench, client: Client) -> None:
    r = everything.call("ev.trigger-elicitation-request", {})
    assert not r.is_error, r.text
    assert len(client.elicited) == 1
    asked = client.elicited[0]
    assert asked.message == "Please provide inputs for the following fields:"
    assert asked.requested_schema["required"] == ["name"]
    assert {"name", "check", "email", "integer"} <= set(asked.requested_schema["properties"])
    assert r.text.startswith("✅ User provided the requested information!")
    assert "- Name: Ada Lovelace" in r.text and "- Agreed to terms: true" in r.text
    assert "- Favorite Integer: 7" in r.text


def test_roots_are_listed_through_the_callback(everything: Workbench, client: Client) -> None:
    # The server asked for the roots after the handshake (the fixture waited); the tool reports them.
    assert client.roots_asked == 1
    r = everything.call("ev.get-roots-list", {})
    assert "Current MCP Roots (1 total)" in r.text and "file:///tmp/workbench-root" in r.text


# --------------------------------------------------------------------------- server-everything: prompts, resources
def test_prompts_with_and_without_arguments(everything: Workbench) -> None:
    p = everything.get_prompt("ev.args-prompt", city="Seoul", state="KR")
    assert p.messages == [{"role": "user", "type": "text", "text": "What's weather in Seoul, KR?"}]
    assert everything.get_prompt("ev.args-prompt", {"city": "Busan"}).text == "user: What's weather in Busan?"
    with pytest.raises(ArgumentError, match=r"ev\.args-prompt: missing required argument 'city'"):
        everything.get_prompt("ev.args-prompt", state="KR")
    simple = everything.get_prompt("ev.simple-prompt")
    assert len(simple.messages) == 1 and simple.messages[0]["role"] == "user" and simple.messages[0]["text"]
    assert list(everything.history()["kind"]) == ["prompt", "prompt", "prompt"]


def test_read_static_and_template_resources(everything: Workbench) -> None:
    doc = everything.read("ev", "demo://resource/static/document/features.md")
    assert doc.mime_type == "text/markdown" and doc.text.startswith("# Everything Server - Features")
    assert doc.blob is None

    text = everything.read("ev", "demo://resource/dynamic/text/3")
    assert text.mime_type == "text/plain"
    assert text.text.startswith("Resource 3: This is a plaintext resource created at ")

    blob = everything.read("ev", "demo://resource/dynamic/blob/5")
    assert blob.blob is not None and blob.blob.startswith(b"Resource 5: This is a base64 blob created at ")
    assert list(everything.history()["kind"]) == ["resource"] * 3


# --------------------------------------------------------------------------- server-everything over HTTP
@pytest.mark.parametrize("transport", ["streamableHttp", "sse"])
def test_everything_over_http(bench: Callable[..., Workbench], client: Client, transport: str) -> None:
    everything_argv(transport)  # fails with the install hint when the local install is missing
    wb = bench(client.callbacks(roots=False))
    with everything_http(transport, allow_npx=False) as url:  # type: ignore[arg-type]
        kind = "http" if transport == "streamableHttp" else "sse"
        info = wb.connect("evh", url=url, transport=kind)
        assert (info.transport, info.status, info.server) == (kind, "connected", "mcp-servers/everything 2.0.0")
        assert (info.tools, info.prompts, info.resources, info.templates) == (16, 4, 7, 2)
        assert set(wb.tools("evh")["name"]) == EVERYTHING_BASE_TOOLS | EVERYTHING_SAMPLING_ELICITATION_TOOLS

        assert wb.call("evh.get-sum", a=20, b=22).text == "The sum of 20 and 22 is 42."
        assert wb.call("evh.get-tiny-image", {}).images[0].data.startswith(PNG_MAGIC)
        seen: list[float] = []
        r = wb.call(
            "evh.trigger-long-running-operation", duration=0.3, steps=3, on_progress=lambda p, t, m: seen.append(p)
        )
        assert r.text.endswith("Steps: 3.") and seen == [1, 2, 3]
        assert "scripted answer to:" in wb.call("evh.trigger-sampling-request", prompt="hi").text
        assert "- Name: Ada Lovelace" in wb.call("evh.trigger-elicitation-request", {}).text
        assert wb.get_prompt("evh.args-prompt", city="Seoul").text == "user: What's weather in Seoul?"
        assert wb.read("evh", "demo://resource/dynamic/text/1").text.startswith("Resource 1: ")

        wb.close()
        assert wb.servers().empty
    assert len(client.sampled) == 1 and len(client.elicited) == 1


# --------------------------------------------------------------------------- mcp-server-time, mcp-server-git
def test_time_server(bench: Callable[..., Workbench]) -> None:
    wb = bench()
    info = wb.connect("time", **python_server("mcp_server_time", "--local-timezone", "UTC"))
    assert (info.tools, info.prompts, info.resources, info.templates) == (2, 0, 0, 0)
    row = wb.servers().set_index("name").loc["time"]
    assert row.server_name == "mcp-time" and row.status == "connected" and row.protocol_version
    tools = wb.tools("time").set_index("name")
    assert set(tools.index) == {"get_current_time", "convert_time"}
    assert tools.loc["get_current_time", "required"] == ["timezone"]
    assert tools.loc["convert_time", "required"] == ["source_timezone", "time", "target_timezone"]
    assert tools["read_only"].all() and tools["output_schema"].notna().all()
    assert wb.prompts("time").empty and wb.resources("time").empty and wb.resource_templates("time").empty

    now = wb.call("time.get_current_time", timezone="Asia/Seoul")
    assert not now.is_error, now.text
    assert now.structured["timezone"] == "Asia/Seoul" and now.structured["datetime"].endswith("+09:00")
    assert now.structured["is_dst"] is False
    assert list(now.df.columns) == ["timezone", "datetime", "day_of_week", "is_dst"]

    # Zones without daylight saving time, so the answer does not depend on the date.
    converted = wb.call("time.convert_time", source_timezone="Asia/Seoul", time="09:30", target_timezone="UTC")
    s = converted.structured
    assert s["source"]["datetime"].endswith("T09:30:00+09:00") and s["target"]["datetime"].endswith("T00:30:00+00:00")
    assert s["time_difference"] == "-9.0h"
    kolkata = wb.call("time.convert_time", source_timezone="Asia/Seoul", time="09:30", target_timezone="Asia/Kolkata")
    assert kolkata.structured["target"]["datetime"].endswith("T06:00:00+05:30")
    assert kolkata.structured["time_difference"] == "-3.5h"

    bad = wb.call("time.convert_time", source_timezone="Nowhere/Atlantis", time="09:30", target_timezone="UTC")
    assert bad.is_error and "Invalid timezone" in bad.text
    with pytest.raises(ArgumentError, match="missing required argument 'timezone'"):
        wb.call("time.get_current_time")
    assert list(wb.history()["status"]) == ["ok", "ok", "ok", "error"]


def test_git_server(bench: Callable[..., Workbench], tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git = ["git", "-C", str(repo), "-c", "user.name=Workbench Test", "-c", "user.email=test@example.invalid"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "hello.txt").write_text("hi\n")
    subprocess.run([*git, "add", "hello.txt"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first commit"], check=True)
    (repo / "hello.txt").write_text("hi\nthere\n")

    wb = bench()
    info = wb.connect("git", **python_server("mcp_server_git", "--repository", str(repo)))
    assert info.tools == 12 and info.prompts == 0 and info.resources == 0
    tools = wb.tools("git").set_index("name")
    assert set(tools.index) == GIT_TOOLS
    assert tools.loc["git_reset", "destructive"] and tools.loc["git_status", "read_only"]

    assert "Message: first commit" in wb.call("git.git_log", repo_path=str(repo), max_count=1).text
    diff = wb.call("git.git_diff_unstaged", repo_path=str(repo)).text
    assert diff.startswith("Unstaged changes:") and "+there" in diff


# --------------------------------------------------------------------------- the install hint
def test_a_missing_local_install_fails_with_the_install_hint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(third_party, "_EVERYTHING_BIN", tmp_path / "missing" / "mcp-server-everything")
    with pytest.raises(pytest.fail.Exception, match=r"run `bash \.ci/install\.sh`") as failed:
        everything_argv("stdio")
    assert "@modelcontextprotocol/server-everything is not installed" in str(failed.value)
