"""Bad input of every kind gives one UsageError line saying what to do, and the shell stays usable."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from tests.servers import free_port
from tests.test_magics_shell import DEMO, demo_fixture, fails, ip_fixture, run  # noqa: F401


def test_unknown_subcommand_suggests_close_names(ip: InteractiveShell) -> None:
    assert "did you mean tools" in fails(ip, "%mcp tool")
    assert "did you mean call" in fails(ip, "%mcp cal demo.add")
    assert "subcommands: help, connect" in fails(ip, "%mcp zzzzzz")


def test_unknown_server_tool_and_prompt(demo: InteractiveShell) -> None:
    assert "no server named 'nope'" in fails(demo, "%mcp tools nope")
    assert "did you mean 'demo'" in fails(demo, "%mcp call dem.add a=1 b=2")
    assert "did you mean 'add'" in fails(demo, "%mcp call demo.ad a=1 b=2")
    assert "has no tool 'nope'" in fails(demo, "%mcp describe demo.nope")
    assert "has no prompt 'revue'" in fails(demo, "%mcp prompt demo.revue code=x")
    assert "no server named 'nope'" in fails(demo, "%mcp read nope demo://readme")
    assert "no server named 'nope'" in fails(demo, "%mcp disconnect nope")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"a": 1,\n "b": }', "not valid JSON: Expecting value at line 2, column 7"),
        ("a: [1, 2\nb: 2\n", "not valid YAML"),
        ("a: 1\n  b: 2\n", "at line 2, column 4"),
        ("- 1\n- 2\n", "must be a mapping of argument names"),
        ("1: x\n", "argument names must be strings"),
    ],
)
def test_malformed_cell_body_names_line_and_column(demo: InteractiveShell, body: str, expected: str) -> None:
    assert expected in fails(demo, f"%%mcp call demo.add\n{body}")


def test_bad_arguments(demo: InteractiveShell) -> None:
    assert "missing required argument 'b'" in fails(demo, "%mcp call demo.add a=1")
    assert "see %mcp describe demo.add" in fails(demo, "%mcp call demo.add a=1")
    assert "must be an integer" in fails(demo, "%mcp call demo.add a=1 b=two")
    assert "expected NAME=VALUE" in fails(demo, "%mcp call demo.add a 1")
    assert "'a' given twice" in fails(demo, "%mcp call demo.add a=1 a=2 b=3")
    assert "missing required argument 'code'" in fails(demo, "%mcp prompt demo.review")
    assert "missing SERVER.TOOL" in fails(demo, "%mcp call")


def test_bad_options_and_quoting(demo: InteractiveShell) -> None:
    assert "did you mean --search" in fails(demo, "%mcp tools --serch add")
    assert "--destructive or --read-only, not both" in fails(demo, "%mcp tools --destructive --read-only")
    assert "-o needs a Python variable name" in fails(demo, "%mcp call demo.add a=1 b=2 -o 1x")
    assert "--timeout needs a positive number" in fails(demo, "%mcp call demo.add a=1 b=2 --timeout soon")
    assert "--last needs a positive whole number" in fails(demo, "%mcp history --last 0")
    assert "close the quote" in fails(demo, "%mcp call demo.echo text='open")
    assert "takes no cell body" in fails(demo, "%%mcp tools\nsomething")
    assert "needs a subcommand" in fails(demo, "%%mcp\na: 1")
    assert "name one server, or pass --all" in fails(demo, "%mcp disconnect")
    assert "unexpected argument 'extra'" in fails(demo, "%mcp servers extra")


def test_bad_connect_lines(ip: InteractiveShell) -> None:
    assert "--stdio CMD [ARGS...] or a URL (http:// https:// ws:// wss://)" in fails(ip, "%mcp connect x")
    assert "not both" in fails(ip, f"%mcp connect x http://127.0.0.1:1/mcp --stdio {DEMO}")
    assert "--stdio needs CMD" in fails(ip, "%mcp connect x --stdio")
    assert "--header is for URL servers" in fails(ip, f"%mcp connect x --stdio {DEMO} --header A=1")
    assert "--env is for stdio servers" in fails(ip, "%mcp connect x http://127.0.0.1:1/mcp --env A=1")
    assert "--env needs KEY=VALUE" in fails(ip, f"%mcp connect x --stdio {DEMO} --env NOVALUE")
    assert "invalid server name 'a.b'" in fails(ip, f"%mcp connect a.b --stdio {DEMO}")
    assert "url must start with http" in fails(ip, "%mcp connect x ftp://host/mcp")
    assert "config file not found" in fails(ip, "%mcp config /no/such/file.json")


def test_server_down_or_dying(ip: InteractiveShell) -> None:
    message = fails(ip, "%mcp connect dead --stdio python -c 'import sys; sys.exit(3)'")
    assert "could not connect to 'dead'" in message and "minimal environment" in message
    assert "could not connect to 'down'" in fails(ip, f"%mcp connect down http://127.0.0.1:{free_port()}/mcp")
    status = run(ip, "%mcp servers").set_index("name")["status"]
    assert status["dead"] == "error" and status["down"] == "error"  # listed, with why
    run(ip, f"%mcp connect crashy --stdio {DEMO}")
    assert "crashy" in fails(ip, "%mcp call crashy.crash")
    assert run(ip, "%mcp call crashy.add a=1 b=2").value == 3  # reconnected by itself on next use
    run(ip, "%mcp disconnect dead")
    run(ip, "%mcp disconnect down")
    run(ip, "%mcp disconnect crashy")


def test_timeout_cancels_and_says_how_to_allow_longer(demo: InteractiveShell) -> None:
    message = fails(demo, "%mcp call demo.sleep_forever --timeout 0.3")
    assert "did not answer within 0.3 s" in message and "--timeout S" in message
    assert run(demo, "%mcp call demo.add a=2 b=2").value == 4


@pytest.mark.parametrize("line", ["tools '--se\narch'", "call 'demo.a\nb'", "help 'x\ny'"])
def test_a_newline_in_a_quoted_value_stays_on_one_line(demo: InteractiveShell, line: str) -> None:
    with pytest.raises(UsageError) as caught:
        demo.run_line_magic("mcp", line)  # (a cell cannot hold such a line; a caller's string can)
    assert "\n" not in str(caught.value) and "\\n" in str(caught.value)
