"""What every ``%mcp`` subcommand module uses: ``Command``, the ``Context`` it runs in, and
``store``. Kept apart from the package so the subcommand modules import it, not each other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ._parser import Syntax

if TYPE_CHECKING:
    from ...facade import Workbench


class Context(Protocol):
    """What a subcommand may use: the kernel's workbench, the shell, and the magic's settings."""

    wb: Workbench
    shell: Any
    display_limit: int
    confirm_destructive: bool  # ask before running a tool annotated destructive
    opened: set[str]  # servers the extension connected; closed when it is unloaded


@dataclass(frozen=True)
class Command:
    syntax: Syntax
    run: Callable[[Context, dict[str, Any], str | None], Any]


def store(ctx: Context, variable: str | None, value: Any) -> Any:
    """``-o VAR``: bind the value in the user's namespace too; return it either way (for ``_``)."""
    if variable:
        ctx.shell.user_ns[variable] = value
    return value
