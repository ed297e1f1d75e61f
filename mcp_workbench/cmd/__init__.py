"""The ``%mcp`` subcommands, one small module per group (JupySQL's ``cmd/`` layout).

Each module declares its subcommands as ``Command(syntax, run)``: the syntax is what the parser,
``%mcp help`` and the completer read; ``run(ctx, values, cell)`` calls the ``Workbench`` and
returns what the cell should show. No subcommand holds logic the Python API lacks.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from IPython.core.error import UsageError

from ._parser import Syntax

if TYPE_CHECKING:
    from ..facade import Workbench


class Context(Protocol):
    """What a subcommand may use: the kernel's workbench, the shell, and the magic's settings."""

    wb: Workbench
    shell: Any
    display_limit: int
    opened: set[str]  # servers the extension connected; closed when it is unloaded


@dataclass(frozen=True)
class Command:
    syntax: Syntax
    run: Callable[[Context, dict[str, Any], str | None], Any]


def find(name: str) -> Command:
    """The subcommand called ``name``; an unknown one suggests the closest names."""
    command = COMMANDS.get(name)
    if command is not None:
        return command
    close = difflib.get_close_matches(name, list(COMMANDS), n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}?" if close else "subcommands: " + ", ".join(COMMANDS)
    raise UsageError(f"unknown subcommand {name!r} for %mcp; {hint} (see %mcp help)")


def store(ctx: Context, variable: str | None, value: Any) -> Any:
    """``-o VAR``: bind the value in the user's namespace too; return it either way (for ``_``)."""
    if variable:
        ctx.shell.user_ns[variable] = value
    return value


def _collect() -> dict[str, Command]:
    from . import auth, calls, chat, connect, help, info, listing, repro, traffic, ui

    found: dict[str, Command] = {}
    for module in (help, connect, auth, listing, calls, info, traffic, ui, repro, chat):
        for command in module.COMMANDS:
            found[command.syntax.name] = command
    return found


# Last: the modules import Command, Context and store from this package.
COMMANDS: dict[str, Command] = _collect()
