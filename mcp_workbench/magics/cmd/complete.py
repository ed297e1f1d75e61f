"""Tab completion for ``%mcp``: subcommands, options, server names, ``SERVER.TOOL`` names, a
tool's (or prompt's) parameter names as ``name=`` once the tool is typed, and a prompt argument's
values as the server completes them (``completion/complete``): ``%mcp prompt ev.p department=En<TAB>``.

IPython replaces only the token under the cursor, which stops at its delimiters (``=``,
``:``, ...), so answers are cut to start where that token starts. The completer is handed a
function that returns the workbench only if it exists: before there is one, there are no
servers to name, and a Tab must not start one.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...core.logs import LEVELS  # a constant: the module loads the SDK only when it sets a level
from . import COMMANDS
from ._parser import Syntax

if TYPE_CHECKING:
    from ...facade import Workbench

_SERVER_OPTIONS = {"--server"}


def _split(text: str) -> list[str]:
    try:
        tokens = shlex.split(text)
    except ValueError:  # an open quote while typing
        tokens = text.split()
    if not text or text[-1].isspace():
        tokens.append("")
    return tokens


def candidates(wb: Workbench | None, text: str) -> list[str]:
    """Completions of the last word of ``text`` (the line up to the cursor, ``%mcp`` included or not);
    without a workbench, only subcommands and options."""
    tokens = _split(text)
    if tokens and tokens[0].lstrip("%") == "mcp":
        tokens = tokens[1:]
    if not tokens:  # the cursor is still on "%mcp" itself
        return []
    if len(tokens) == 1:
        return [name for name in COMMANDS if name.startswith(tokens[0])]
    command = COMMANDS.get(tokens[0])
    if command is None:
        return []
    syntax, word, before = command.syntax, tokens[-1], tokens[1:-1]
    if before and before[-1] in _SERVER_OPTIONS:
        found = _names().server_names(wb) if wb is not None else []
    elif word.startswith("-"):
        found = sorted(syntax.option_index)
    elif before and (opt := syntax.option_index.get(before[-1])) is not None and opt.kind not in ("flag", "words"):
        found = list(LEVELS) if opt.dest in ("level", "log_level") else []  # else a path, seconds, K=V: no guess
    else:
        done = _positionals(syntax, before)
        found = _values(wb, syntax.name, done, word)
        if found is None:
            found = _positional(wb, syntax, done)
    return [c for c in found if c.startswith(word)]


def _values(wb: Workbench | None, command: str, done: list[str], word: str) -> list[str] | None:
    """Server-completed values: ``ARG=value`` of ``%mcp prompt``, VALUE of ``%mcp complete``;
    None where the word is not such a value."""
    if wb is None:
        return None
    describe = _names()
    if command == "prompt" and done and "=" in word:
        name, _, partial = word.partition("=")
        context = dict(t.partition("=")[::2] for t in done[1:] if "=" in t)
        return [f"{name}={v}" for v in describe.argument_values(wb, done[0], name, partial, context)]
    if command == "complete" and len(done) == 2:
        return describe.argument_values(wb, done[0], done[1], word, {})
    return None


def _positionals(syntax: Syntax, before: list[str]) -> list[str]:
    """The positional words already typed (option names and their values left out)."""
    out: list[str] = []
    skip = False
    for token in before:
        if skip:
            skip = False
            continue
        opt = syntax.option_index.get(token)
        if opt is not None:
            skip = opt.kind in ("value", "multi")
            continue
        out.append(token)
    return out


def _names() -> Any:
    """``views.describe`` (its name helpers), imported once a workbench exists (it needs pandas)."""
    from ...views import describe

    return describe


def _positional(wb: Workbench | None, syntax: Syntax, done: list[str]) -> list[str]:
    name = syntax.name
    if name == "help":
        return list(COMMANDS) if not done else []
    if wb is None:
        return []  # no workbench yet: no servers, tools or prompts to name
    describe = _names()
    if name in ("tools", "prompts", "resources", "templates", "ping", "disconnect"):
        return describe.server_names(wb) if not done else []
    if name == "read":
        return describe.server_names(wb) if not done else describe.resource_uris(wb, done[0]) if len(done) == 1 else []
    if name == "complete":
        return describe.targets(wb, "prompt") if not done else describe.parameter_names(wb, done[0], "prompt")
    if name in ("task", "subscribe", "unsubscribe", "log-level", "logs", "tasks", "subscriptions") and not done:
        return describe.server_names(wb)
    if name in ("subscribe", "unsubscribe") and len(done) == 1:
        return describe.resource_uris(wb, done[0])
    if name == "log-level" and len(done) == 1:
        return list(LEVELS)
    if name in ("call", "app", "describe", "prompt"):
        kind = "prompt" if name == "prompt" else "tool"
        if not done:
            return describe.targets(wb, kind)
        if name == "describe":
            return []
        given = {t.partition("=")[0] for t in done[1:]}
        return [f"{p}=" for p in describe.parameter_names(wb, done[0], kind) if p not in given]
    return []


def _cut(wb: Workbench | None, text: str, symbol: str) -> list[str]:
    """Candidates for ``text``, each cut to replace only ``symbol`` (IPython's token)."""
    found = candidates(wb, text)
    word = _split(text)[-1]
    cut = len(word) - len(symbol)
    return [c[cut:] for c in found if cut >= 0 and c[:cut] == word[:cut]]


def is_mcp_line(text: str) -> bool:
    head = text.lstrip().split(None, 1)
    return bool(head) and head[0] in ("%mcp", "%%mcp")


def make_matcher(workbench: Callable[[], Workbench | None]) -> Callable[[Any], dict[str, Any]]:
    """An IPython (8.6+) completion matcher; it hides Jedi's Python keywords on ``%mcp`` lines."""
    from IPython.core.completer import SimpleCompletion, context_matcher

    @context_matcher(identifier="mcp_workbench")
    def mcp_matcher(context: Any) -> dict[str, Any]:
        text = context.text_until_cursor
        found = _cut(workbench(), text, context.token) if is_mcp_line(text) else []
        # Nothing of ours (e.g. a config path): let the other matchers (files) answer.
        return {"completions": [SimpleCompletion(c, type="mcp") for c in found], "suppress": bool(found),
                "ordered": True}  # fmt: skip

    return mcp_matcher


def make_completer(workbench: Callable[[], Workbench | None]) -> Callable[[Any, Any], list[str]]:
    """The legacy ``complete_command`` hook for IPython < 8.6 (IPython passes the shell first)."""

    def complete(shell: Any, event: Any) -> list[str]:
        return _cut(workbench(), event.text_until_cursor, event.symbol or "")

    return complete
