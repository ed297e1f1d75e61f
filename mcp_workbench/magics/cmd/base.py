"""What every ``%mcp`` subcommand module uses: ``Command``, the ``Context`` it runs in, ``store``,
``listing`` and ``lister``. Kept apart from the package so the subcommand modules import it, not each other.

Nothing heavy is imported here or at the top of a subcommand module: ``%load_ext`` reads every
subcommand's syntax, and pandas, the MCP SDK and the rest load with the workbench, on first use.
"""

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


def listing(frame: Any, limit: int | None) -> Any:
    """``frame`` shown to at most ``limit`` rows (``views.readable.listing``, imported when used)."""
    from ...views.readable import listing as limited  # perf: pandas loads with the workbench, not at %load_ext

    return limited(frame, limit)


def lister(method: str, *options: str) -> Callable[[Context, dict[str, Any], str | None], Any]:
    """The ``run`` of a listing subcommand: ``wb.<method>(SERVER, option=value, ...)`` (SERVER when
    the syntax takes one; each option's ``dest`` is the method's keyword), shown to ``display_limit`` rows."""

    def run(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
        server = (v["SERVER"],) if "SERVER" in v else ()
        return listing(getattr(ctx.wb, method)(*server, **{o: v[o] for o in options}), ctx.display_limit)

    return run


def store(ctx: Context, variable: str | None, value: Any) -> Any:
    """``-o VAR``: bind the value in the user's namespace too; return it either way (for ``_``)."""
    if variable:
        ctx.shell.user_ns[variable] = value
    return value
