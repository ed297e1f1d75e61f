"""A small declarative parser for ``%mcp`` subcommands: shlex tokens in, a dict of values out.

Why not argparse: it calls ``sys.exit`` and prints multi-line usage on a mistake, and
``--stdio CMD ARGS...`` must swallow the server's own ``-m``-style flags. Every mistake here
is an IPython ``UsageError`` of one line that says what to write instead.
"""

from __future__ import annotations

import difflib
import keyword
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from IPython.core.error import UsageError

_NUMBER = re.compile(r"^-\d+(\.\d*)?$")


@dataclass(frozen=True)
class Option:
    """``kind``: flag (no value), value (one token), multi (repeatable), words (tokens up to the
    next option), command (a command line: every token up to the next option of ours, or all after ``--``)."""

    flags: tuple[str, ...]
    dest: str
    kind: str = "value"
    metavar: str = "VALUE"
    help: str = ""
    type: Callable[[str, str], Any] | None = None  # (value, flag) -> converted; raises UsageError


@dataclass(frozen=True)
class Positional:
    name: str
    help: str = ""
    required: bool = True
    many: bool = False
    type: Callable[[str, str], Any] | None = None


@dataclass(frozen=True)
class Syntax:
    """One subcommand: what it takes, and the text ``%mcp help`` shows for it."""

    name: str
    summary: str
    usage: tuple[str, ...]
    positionals: tuple[Positional, ...] = ()
    options: tuple[Option, ...] = ()
    examples: tuple[str, ...] = ()
    notes: str = ""
    exclusive: tuple[tuple[str, ...], ...] = ()  # dest names that may not be given together
    cell: bool | str = False  # True: a JSON/YAML cell body; "text": the body as plain text
    finish: Callable[[Syntax, dict[str, Any]], None] | None = None  # checks across options
    option_index: dict[str, Option] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for opt in self.options:
            for flag in opt.flags:
                self.option_index[flag] = opt

    def fail(self, message: str) -> UsageError:
        return UsageError(f"{message}; usage: {self.usage[0]} (see %mcp help {self.name})")


def tokenize(line: str) -> list[str]:
    """Split like a shell; an unbalanced quote is a usage error, not a ValueError."""
    try:
        return shlex.split(line, comments=False, posix=True)
    except ValueError as exc:
        raise UsageError(f"cannot split the line ({exc}): close the quote or escape it with a backslash") from None


def _looks_like_option(token: str) -> bool:
    return token.startswith("-") and token not in ("-", "--") and not _NUMBER.match(token)


def parse(syntax: Syntax, tokens: list[str]) -> dict[str, Any]:
    """Tokens after the subcommand → values by ``dest`` (and by positional name)."""
    values: dict[str, Any] = {o.dest: ([] if o.kind in ("multi", "words") else None) for o in syntax.options}
    values.update({o.dest: False for o in syntax.options if o.kind == "flag"})
    seen: list[Option] = []
    positionals: list[str] = []
    command: Option | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token == "--":
            rest = tokens[i:]
            if command is not None:
                values[command.dest].extend(rest)
            else:
                positionals.extend(rest)
            break
        if not _looks_like_option(token):
            positionals.append(token)
            continue
        flag, eq, inline = token.partition("=") if token.startswith("--") else (token, "", "")
        opt = syntax.option_index.get(flag)
        if opt is None:
            raise _unknown_option(syntax, flag)
        seen.append(opt)
        if opt.kind == "flag":
            if eq:
                raise syntax.fail(f"{flag} takes no value")
            values[opt.dest] = True
            continue
        if opt.kind == "command":
            if values[opt.dest] is not None:
                raise syntax.fail(f"{flag} given twice")
            command = opt
            taken = [inline] if eq else []
            if not eq and i < len(tokens) and tokens[i] == "--":  # --stdio -- CMD ...: all of it is the command
                taken, i = tokens[i + 1 :], len(tokens)
            while i < len(tokens) and tokens[i] != "--" and _split_flag(tokens[i]) not in syntax.option_index:
                taken.append(tokens[i])
                i += 1
            if not taken:
                raise syntax.fail(f"{flag} needs {opt.metavar}")
            values[opt.dest] = taken
            continue
        if opt.kind == "words":
            taken = [inline] if eq else []
            while i < len(tokens) and not _looks_like_option(tokens[i]) and tokens[i] != "--":
                taken.append(tokens[i])
                i += 1
            if not taken:
                raise syntax.fail(f"{flag} needs {opt.metavar}")
            values[opt.dest].extend(taken)
            continue
        if eq:
            raw = inline
        elif i < len(tokens):
            raw = tokens[i]
            i += 1
        else:
            raise syntax.fail(f"{flag} needs a value ({opt.metavar})")
        value = opt.type(raw, flag) if opt.type else raw
        if opt.kind == "multi":
            values[opt.dest].append(value)
        elif values[opt.dest] is not None:
            raise syntax.fail(f"{flag} given twice")
        else:
            values[opt.dest] = value
    _check_exclusive(syntax, seen)
    _assign_positionals(syntax, positionals, values)
    if syntax.finish is not None:
        syntax.finish(syntax, values)
    return values


def _split_flag(token: str) -> str:
    return token.partition("=")[0] if token.startswith("--") else token


def _unknown_option(syntax: Syntax, flag: str) -> UsageError:
    known = sorted(syntax.option_index)
    close = difflib.get_close_matches(flag, known, n=2, cutoff=0.6)
    if close:
        return syntax.fail(f"unknown option {flag} for %mcp {syntax.name}; did you mean {' or '.join(close)}?")
    shown = ", ".join(known) if known else "none"
    return syntax.fail(f"unknown option {flag} for %mcp {syntax.name} (options: {shown})")


def _check_exclusive(syntax: Syntax, seen: list[Option]) -> None:
    dests = {o.dest: o.flags[-1] for o in seen}
    for group in syntax.exclusive:
        given = [dests[d] for d in group if d in dests]
        if len(given) > 1:
            raise syntax.fail(f"use {' or '.join(given)}, not both")


def _assign_positionals(syntax: Syntax, tokens: list[str], values: dict[str, Any]) -> None:
    queue = list(tokens)
    for pos in syntax.positionals:
        convert = pos.type or (lambda v, _n: v)
        if pos.many:
            values[pos.name] = [convert(t, pos.name) for t in queue]
            queue = []
        elif queue:
            values[pos.name] = convert(queue.pop(0), pos.name)
        elif pos.required:
            raise syntax.fail(f"missing {pos.name}")
        else:
            values[pos.name] = None
    if queue:
        raise syntax.fail(f"unexpected argument {queue[0]!r}")


ANY_SERVER = Positional("SERVER", "only this server (default: every server)", required=False)


# ---------------------------------------------------------------- value types
def positive_float(value: str, flag: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not number > 0 or number == float("inf"):
        raise UsageError(f"{flag} needs a positive number of seconds, e.g. {flag} 30; got {value!r}")
    return number


def positive_int(value: str, flag: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise UsageError(f"{flag} needs a positive whole number, e.g. {flag} 10; got {value!r}")
    return number


def key_value(value: str, flag: str) -> tuple[str, str]:
    key, eq, val = value.partition("=")
    if not eq or not key.strip():
        raise UsageError(f"{flag} needs KEY=VALUE, e.g. {flag} TOKEN=abc; got {value!r}")
    return key.strip(), val


def variable(value: str, flag: str) -> str:
    if not value.isidentifier() or keyword.iskeyword(value):
        raise UsageError(f"{flag} needs a Python variable name, e.g. {flag} result; got {value!r}")
    return value


def argument_pair(value: str, name: str) -> tuple[str, str]:
    key, eq, val = value.partition("=")
    if not eq or not key:
        raise UsageError(f"expected NAME=VALUE arguments, got {value!r}; write e.g. a=1 text='two words'")
    return key, val
