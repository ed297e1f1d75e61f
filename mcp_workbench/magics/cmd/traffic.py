"""``%mcp trace`` / ``traffic``: see exactly what crossed the wire (issue 10)."""

from __future__ import annotations

from typing import Any

from .base import Command, Context, lister
from ._parser import ANY_SERVER, Option, Syntax, positive_int

TRACE = Syntax(
    name="trace",
    summary="record the protocol traffic of a server (every server, including later ones, without a name)",
    usage=("%mcp trace [SERVER] [--off] [--limit N]",),
    positionals=(ANY_SERVER,),
    options=(
        Option(("--off",), "off", kind="flag", help="stop recording (the buffer is kept)"),
        Option(("--limit",), "limit", metavar="N", help="messages kept per server (default 10000)", type=positive_int),
    ),
    examples=("%mcp trace demo", "%mcp trace", "%mcp trace demo --off"),
)

TRAFFIC = Syntax(
    name="traffic",
    summary="the recorded traffic: time, server, direction, kind, method, id, latency, size, payload",
    usage=("%mcp traffic [SERVER] [--method M] [--kind K] [--errors] [--last N]",),
    positionals=(ANY_SERVER,),
    options=(
        Option(("--method",), "method", metavar="M", help="only messages of method M (responses included)"),
        Option(("--kind",), "kind", metavar="K", help="request, response, notification, error or stderr"),
        Option(("--errors",), "errors", kind="flag", help="only errors (JSON-RPC errors and isError results)"),
        Option(("--last", "-n"), "last", metavar="N", help="only the last N messages", type=positive_int),
    ),
    examples=("%mcp traffic", "%mcp traffic demo --method tools/call --last 10", "%mcp traffic --errors"),
)


def run_trace(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    traced = ctx.wb.trace(v["SERVER"], stop=v["off"], limit=v["limit"])
    return f"tracing: {', '.join(traced) if traced else 'nothing'}"


COMMANDS = [Command(TRACE, run_trace), Command(TRAFFIC, lister("traffic", "method", "kind", "errors", "last"))]
