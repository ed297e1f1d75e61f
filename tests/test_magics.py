"""Every ``%mcp`` subcommand in a real IPython shell, against the demo server over stdio and HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from mcp_workbench import PromptResult, ResourceResult, ToolResult
from mcp_workbench.magics.cmd import COMMANDS
from mcp_workbench.views.describe import ToolDescription
from mcp_workbench.views.frames import PROMPT_COLUMNS, SERVER_COLUMNS, TOOL_COLUMNS
from tests.test_magics_shell import (  # noqa: F401
    DEMO,
    demo_fixture,
    fails,
    ip_fixture,
    run,
    wb,
    web_fixture,
)


def test_help_shows_every_subcommand_with_an_example(ip: InteractiveShell) -> None:
    with capture_output() as cap:
        run(ip, "%mcp help")
    for name, command in COMMANDS.items():
        assert command.syntax.usage[0] in cap.stdout and command.syntax.examples[0] in cap.stdout, name
    with capture_output() as cap:
        run(ip, "%mcp")  # bare: the same overview
    assert "%mcp call SERVER.TOOL" in cap.stdout
    with capture_output() as cap:
        run(ip, "%mcp help connect")
    assert "minimal environment" in cap.stdout and "--inherit-env" in cap.stdout and "examples:" in cap.stdout
    with capture_output() as cap:
        run(ip, "%mcp call --help")
    assert cap.stdout.startswith("%mcp call:") and "--timeout S" in cap.stdout
    assert "did you mean connect" in fails(ip, "%mcp help conect")


def test_connect_stdio_env_cwd_and_inherit_env(ip: InteractiveShell, tmp_path: Path) -> None:
    ip.run_line_magic("env", "MCPWB_KERNEL_ONLY=from-kernel")
    info = run(ip, f"%mcp connect envy --stdio {DEMO} --env MCPWB_X=42 --env MCPWB_Y='a b' --cwd {tmp_path}")
    assert info.name == "envy" and info.transport == "stdio" and info.tools >= 10
    assert run(ip, "%mcp call envy.env name=MCPWB_X").text == "42"
    assert run(ip, "%mcp call envy.env name=MCPWB_Y").text == "a b"
    assert run(ip, "%mcp call envy.env name=MCPWB_KERNEL_ONLY").text == "<unset>"  # minimal environment
    run(ip, f'%mcp connect envy --inherit-env --stdio "{DEMO}"')  # same name: replaced; one quoted command
    assert run(ip, "%mcp call envy.env name=MCPWB_KERNEL_ONLY").text == "from-kernel"
    with capture_output() as cap:
        run(ip, "%mcp disconnect envy")
    assert "disconnected envy" in cap.stdout and "envy" not in wb().server_names()


def test_connect_url_with_header_and_timeout(ip: InteractiveShell, demo_http_url: str) -> None:
    info = run(ip, f"%mcp connect hdr {demo_http_url} --header X-Trace=abc --timeout 5")
    assert info.transport == "http" and info.tools >= 10
    assert wb().server("hdr").spec.timeout == 5 and wb().server("hdr").spec.headers == {"X-Trace": "abc"}
    run(ip, "%mcp disconnect hdr")


def test_connect_websocket_url(ip: InteractiveShell, demo_ws_url: str) -> None:
    info = run(ip, f"%mcp connect w {demo_ws_url} --header X-Trace=abc")
    assert info.transport == "websocket" and info.tools >= 10
    assert run(ip, "%mcp call w.add a=2 b=3").value == 5
    run(ip, "%mcp disconnect w")
    info = run(ip, f"%mcp connect w2 {demo_ws_url} --transport websocket")
    assert info.transport == "websocket"
    run(ip, "%mcp disconnect w2")


def test_config_file_connects_its_servers(ip: InteractiveShell, tmp_path: Path) -> None:
    path = tmp_path / "servers.json"
    path.write_text(json.dumps({"servers": {"cfg": {"command": "python", "args": ["-m", "mcp_workbench.demo"]}}}))
    frame = run(ip, f"%mcp config {path}")
    assert list(frame["name"]) == ["cfg"] and list(frame["status"]) == ["connected"]
    run(ip, "%mcp disconnect cfg")


def test_disconnect_all(demo: InteractiveShell, ip: InteractiveShell) -> None:
    with capture_output() as cap:
        run(ip, "%mcp disconnect --all")
    assert "demo" in cap.stdout and wb().server_names() == []
    with capture_output() as cap:
        run(ip, "%mcp disconnect --all")
    assert "no server was connected" in cap.stdout


def test_servers_and_tools_with_filters(demo: InteractiveShell) -> None:
    servers = run(demo, "%mcp servers")
    assert isinstance(servers, pd.DataFrame) and list(servers.columns) == SERVER_COLUMNS
    assert "demo" in set(servers["name"])
    tools = run(demo, "%mcp tools demo")
    assert list(tools.columns) == TOOL_COLUMNS and {"add", "echo", "slow", "delete_all"} <= set(tools["name"])
    assert list(run(demo, "%mcp tools demo --search two integers")["name"]) == ["add"]
    assert list(run(demo, "%mcp tools --destructive")["name"]) == ["delete_all"]
    read_only = run(demo, "%mcp tools demo --read-only")
    assert "add" in set(read_only["name"]) and read_only["read_only"].all()
    assert demo.user_ns["_"] is read_only


def test_prompts_resources_templates(demo: InteractiveShell) -> None:
    prompts = run(demo, "%mcp prompts demo")
    assert list(prompts.columns) == PROMPT_COLUMNS and set(prompts["name"]) == {"review", "summarize", "pair"}
    assert len(run(demo, "%mcp resources demo")) == 29
    assert list(run(demo, "%mcp templates")["uri_template"]) == ["demo://items/{item_id}"]


def test_describe_gives_parameters_and_a_working_example(demo: InteractiveShell) -> None:
    described = run(demo, "%mcp describe demo.add")
    assert isinstance(described, ToolDescription) and described.read_only
    assert list(described.parameters["name"]) == ["a", "b"] and list(described.parameters["type"]) == ["integer"] * 2
    assert described.example == "%mcp call demo.add a=1 b=2"
    assert run(demo, described.example).value == 3
    image = run(demo, "%mcp describe demo.image")
    assert image.parameters.set_index("name").loc["width", "default"] == "64"
    assert run(demo, "%mcp describe demo.echo").example == "%mcp call demo.echo text=text"


def test_call_coerces_by_schema_and_binds_output(demo: InteractiveShell) -> None:
    result = run(demo, "%mcp call demo.add a=1 b=2 -o total")
    assert isinstance(result, ToolResult) and result.value == 3
    assert demo.user_ns["total"] is result and demo.user_ns["_"] is result
    assert run(demo, "%mcp call demo.echo text=1").text == "1"  # the schema says string: stays "1"
    assert run(demo, """%mcp call demo.echo text='{"json": 1}'""").text == '{"json": 1}'
    assert run(demo, "%mcp call demo.echo text='two words'").text == "two words"
    assert len(run(demo, "%mcp call demo.table rows=2 --timeout 10").df) == 2
    failed = run(demo, "%mcp call demo.fail message=boom")
    assert failed.is_error and failed.text == "boom"  # an error result is shown, not raised


def test_a_destructive_tool_is_refused_headless_unless_allowed(demo: InteractiveShell) -> None:
    """No front end to ask (this shell's stdin is not a terminal): refused, with how to allow it.
    The question itself, answered through a real kernel's stdin: tests/test_confirm_destructive.py."""
    calls = wb().log.total
    message = fails(demo, "%mcp call demo.delete_all confirm=true")
    assert message.startswith("demo.delete_all is marked destructive and there is no one to confirm it here")
    assert "%config McpWorkbench.confirm_destructive = False" in message
    cell = fails(demo, "%%mcp call delete_all\nconfirm: true\n")  # a bare name, a cell body: the same question
    assert cell.startswith("demo.delete_all is marked destructive and there is no one to confirm it here"), cell
    assert wb().log.total == calls  # nothing was sent
    assert run(demo, "%mcp call demo.add a=1 b=2").value == 3  # other tools: no question
    try:
        run(demo, "%config McpWorkbench.confirm_destructive = False")
        assert wb().dashboards.confirm_destructive is False  # the dashboard follows the same setting
        assert "deleted everything" in run(demo, "%mcp call demo.delete_all confirm=true").text
    finally:
        run(demo, "%config McpWorkbench.confirm_destructive = True")
    assert wb().dashboards.confirm_destructive is True
    assert wb().call("demo.delete_all", confirm=True).text.startswith("deleted")  # code never asks


def test_cell_magic_takes_json_or_yaml_and_line_overrides(demo: InteractiveShell) -> None:
    assert run(demo, '%%mcp call demo.add -o s\n{"a": 2, "b": 3}\n').value == 5
    assert demo.user_ns["s"].value == 5
    assert run(demo, "%%mcp call demo.add\na: 4\nb: 5\n").value == 9
    assert run(demo, "%%mcp call demo.add b=10\na: 1\nb: 2\n").value == 11
    assert run(demo, "%%mcp call demo.table\n# defaults only\n").df is not None  # no arguments
    assert "print(1)" in run(demo, "%%mcp prompt demo.review\ncode: print(1)\n").text


def test_prompt_and_read(demo: InteractiveShell) -> None:
    prompt = run(demo, "%mcp prompt demo.review code='print(1)' language=python -o p")
    assert isinstance(prompt, PromptResult) and "print(1)" in prompt.text and demo.user_ns["p"] is prompt
    doc = run(demo, "%mcp read demo demo://readme -o doc")
    assert isinstance(doc, ResourceResult) and "mcp-workbench-demo" in doc.text and demo.user_ns["doc"] is doc
    assert run(demo, "%mcp read demo demo://items/42 --timeout 5").json["id"] == "42"


def test_history_stats_ping(demo: InteractiveShell) -> None:
    run(demo, "%mcp call demo.add a=1 b=1")
    history = run(demo, "%mcp history --last 2 --server demo")
    assert len(history) == 2 and set(history["server"]) == {"demo"}
    assert history.iloc[-1]["tool"] == "add" and history.iloc[-1]["status"] == "ok"
    stats = run(demo, "%mcp stats")
    assert stats["calls"] >= 1 and stats["connected"] >= 1
    ping = run(demo, "%mcp ping demo")
    assert list(ping["server"]) == ["demo"] and ping["latency_ms"].iloc[0] > 0


def test_everything_over_http(web: InteractiveShell) -> None:
    assert run(web, "%mcp servers").set_index("name").loc["web", "transport"] == "http"
    assert "add" in set(run(web, "%mcp tools web")["name"])
    assert run(web, "%mcp call web.add a=20 b=22").value == 42
    assert run(web, "%%mcp call web.add\na: 1\nb: 1\n").value == 2
    assert run(web, "%mcp describe web.add").example == "%mcp call web.add a=1 b=2"
    assert "print" in run(web, "%mcp prompt web.review code=print").text
    assert "mcp-workbench-demo" in run(web, "%mcp read web demo://readme").text
    assert len(run(web, "%mcp resources web")) == 29 and len(run(web, "%mcp prompts web")) == 3
    assert len(run(web, "%mcp templates web")) == 1
    assert run(web, "%mcp ping web")["status"].iloc[0] == "connected"
    assert set(run(web, "%mcp history --server web")["server"]) == {"web"}
