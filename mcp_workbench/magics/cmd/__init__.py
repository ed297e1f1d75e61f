"""The ``%mcp`` subcommands, one small module per group (JupySQL's ``cmd/`` layout).

Each module declares its subcommands as ``Command(syntax, run)``: the syntax is what the parser,
``%mcp help`` and the completer read; ``run(ctx, values, cell)`` calls the ``Workbench`` and
returns what the cell should show. No subcommand holds logic the Python API lacks.
"""

from __future__ import annotations

import difflib
from typing import Any

from IPython.core.error import UsageError

from . import help
from .base import Command, Context, store


def _collect() -> dict[str, Command]:
    from . import auth, bench, calls, chat, connect, features, info, listing, registry, repro, tasks, traffic, ui

    found: dict[str, Command] = {"help": Command(help.HELP, run_help)}
    for module in (connect, auth, listing, calls, tasks, features, info, traffic, ui, repro, bench, chat, registry):
        for command in module.COMMANDS:
            found[command.syntax.name] = command
    return found


def find(name: str) -> Command:
    """The subcommand called ``name``; an unknown one suggests the closest names."""
    command = COMMANDS.get(name)
    if command is not None:
        return command
    close = difflib.get_close_matches(name, list(COMMANDS), n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}?" if close else "subcommands: " + ", ".join(COMMANDS)
    raise UsageError(f"unknown subcommand {name!r} for %mcp; {hint} (see %mcp help)")


def help_text(topic: str | None) -> str:
    """The help text for ``%mcp help [topic]``; an unknown topic is a usage error with suggestions."""
    return help.overview(COMMANDS) if topic is None else help.detail(find(topic).syntax)


def run_help(ctx: Context, values: dict[str, Any], cell: str | None) -> None:
    print(help_text(values["COMMAND"]))


COMMANDS: dict[str, Command] = _collect()
__all__ = ["COMMANDS", "Command", "Context", "find", "store"]
