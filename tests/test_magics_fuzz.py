"""Fuzz the ``%mcp`` parser: any line (and cell) gives a valid parse or one clean UsageError line.

The parser is tested directly (no shell, no server), so thousands of examples run in seconds.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError

from mcp_workbench.magics.cmd import COMMANDS
from mcp_workbench.magics.magic import Invocation, parse_line

NAMES = sorted(COMMANDS)
FLAGS = sorted({flag for c in COMMANDS.values() for flag in c.syntax.option_index} | {"-h", "--help", "--", "-"})
WORDS = ["demo", "demo.add", "a=1", "b=x", "k={\"j\": 1}", "python", "-m", "http://127.0.0.1:1/mcp", "5", "-1",
         "0", "nan", "K=V", "=v", "x", "1x", "None", "demo://readme", "''", '"', "'", "\\", "--timeout=3", "--env=A=1"]  # fmt: skip

token = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(FLAGS),
    st.sampled_from(WORDS),
    st.text(min_size=1, max_size=8),
    st.from_regex(r"[a-z]{1,4}=[^\s]{0,6}", fullmatch=True),
)
lines = st.lists(token, max_size=9).map(" ".join)
structured = st.tuples(st.sampled_from(NAMES), lines).map(" ".join)
_VALUES = {
    "value": st.sampled_from(["5", "0.5", "x", "/tmp", "-3", "r"]),
    "multi": st.sampled_from(["K=V", "A=", "bad", "X=a=b"]),
    "words": st.sampled_from(["add", "two words", "-x"]),
    "command": st.sampled_from(["python -m demo", "srv -- --x", "--", "'python -m demo'"]),
}
_POSITIONALS = st.sampled_from(["demo.add", "a=1", "demo", "b=2", "http://127.0.0.1:1/mcp", "demo://readme", "x"])


@st.composite
def grammatical(draw: st.DrawFn) -> str:
    """Lines shaped by a subcommand's own syntax, so most of them are valid (or nearly)."""
    syntax = COMMANDS[draw(st.sampled_from(NAMES))].syntax
    parts = [syntax.name]
    for positional in syntax.positionals:
        if positional.required or draw(st.booleans()):
            parts += draw(st.lists(_POSITIONALS, min_size=1, max_size=3 if positional.many else 1))
    for option in draw(st.lists(st.sampled_from(syntax.options), max_size=3)) if syntax.options else []:
        parts.append(draw(st.sampled_from(option.flags)))
        if option.kind != "flag":
            parts.append(draw(_VALUES[option.kind]))
    return " ".join(parts)


bodies = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=3).map(json.dumps),
    st.sampled_from(["a: 1\nb: 2\n", "{\"a\": 1", "a: [1\n", "- 1\n", "# only a comment\n", "&a [*a]", "\t\x00"]),
)


def _check(line: str, cell: str | None) -> None:
    try:
        invocation = parse_line(line, cell)
    except UsageError as exc:
        message = str(exc)
        assert message and "\n" not in message and "\r" not in message, repr(message)
        return
    assert isinstance(invocation, Invocation) and invocation.command in COMMANDS
    syntax = COMMANDS[invocation.command].syntax
    for option in syntax.options:
        assert option.dest in invocation.values
    for positional in syntax.positionals:
        assert positional.name in invocation.values
        if positional.required:
            assert invocation.values[positional.name] is not None
    if cell is not None and syntax.cell == "text":
        assert invocation.cell == cell  # a chat message: the body as it is
    elif cell is not None and syntax.cell:
        assert isinstance(invocation.values["body"], dict)


@settings(max_examples=1000, deadline=None)
@given(structured, bodies)
def test_subcommand_lines_parse_or_fail_cleanly(line: str, cell: str | None) -> None:
    _check(line, cell)


@settings(max_examples=1000, deadline=None)
@given(grammatical(), bodies)
def test_grammatical_lines_parse_or_fail_cleanly(line: str, cell: str | None) -> None:
    _check(line, cell)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=60), bodies)
def test_any_text_parses_or_fails_cleanly(line: str, cell: str | None) -> None:
    _check(line, cell)


def test_known_lines_parse_to_the_expected_values() -> None:
    call = parse_line("call demo.add a=1 b='{\"x\": 2}' -o r --timeout 5")
    assert call.command == "call" and call.values["SERVER.TOOL"] == "demo.add"
    assert call.values["k=v"] == [("a", "1"), ("b", '{"x": 2}')] and call.values["out"] == "r"
    assert call.values["timeout"] == 5.0
    connect = parse_line("connect d --env A=1 --stdio python -m pkg --flag --cwd /tmp -- --timeout 3")
    assert connect.values["stdio"] == ["python", "-m", "pkg", "--flag", "--timeout", "3"]
    assert connect.values["env"] == [("A", "1")] and connect.values["cwd"] == "/tmp"
    assert parse_line("connect d --stdio -- srv --env X").values["stdio"] == ["srv", "--env", "X"]
    assert parse_line('connect d --stdio "python -m pkg"').values["stdio"] == ["python", "-m", "pkg"]
    assert parse_line("tools demo --search two words --read-only").values["search"] == ["two", "words"]
    assert parse_line("call demo.add --help") == Invocation("help", {"COMMAND": "call"})
    assert parse_line("") == Invocation("help", {"COMMAND": None})
    assert parse_line("call demo.add", "a: 1\nb: [2, 3]\n").values["body"] == {"a": 1, "b": [2, 3]}
    assert parse_line("history --last=3").values["last"] == 3
