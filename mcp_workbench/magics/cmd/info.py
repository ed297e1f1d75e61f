"""``%mcp history`` / ``stats`` / ``ping``: what happened, and how the servers are doing."""

from __future__ import annotations

from typing import Any

from .base import Command, Context, lister, listing
from ._parser import ANY_SERVER, Option, Syntax, positive_int

HISTORY = Syntax(
    name="history",
    summary="every call of this kernel, oldest first: arguments (secrets masked), status, duration, error",
    usage=("%mcp history [--last N] [--server S] [--export PATH]",),
    options=(
        Option(("--last", "-n"), "last", metavar="N", help="only the last N calls", type=positive_int),
        Option(("--server",), "server", metavar="S", help="only calls to server S"),
        Option(("--export",), "export", metavar="PATH", help="write the calls as a runnable Python script"),
    ),
    examples=("%mcp history", "%mcp history --last 5 --server demo", "%mcp history --export calls.py"),
)

STATS = Syntax(
    name="stats",
    summary="sessions, connections (connected, in flight), calls, errors, calls per server",
    usage=("%mcp stats",),
    examples=("%mcp stats",),
)

PING = Syntax(
    name="ping",
    summary="round-trip latency per server (an idle-closed server is reconnected first)",
    usage=("%mcp ping [SERVER]",),
    positionals=(ANY_SERVER,),
    examples=("%mcp ping", "%mcp ping demo"),
)


def run_history(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    if v["export"]:
        path = ctx.wb.export_history(v["export"], server=v["server"], last=v["last"])
        return f"wrote {path} (run it with: python {path})"
    return listing(ctx.wb.history(server=v["server"], last=v["last"]), ctx.display_limit)


def run_stats(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    return ctx.wb.stats()


COMMANDS = [Command(HISTORY, run_history), Command(STATS, run_stats), Command(PING, lister("ping"))]
