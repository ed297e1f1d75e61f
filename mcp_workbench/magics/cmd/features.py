"""``%mcp complete`` / ``subscribe`` / ``unsubscribe`` / ``subscriptions`` / ``log-level`` / ``logs``:
argument completions, resource subscriptions and server logs."""

from __future__ import annotations

from typing import Any

from ...core.logs import LEVELS
from .base import Command, Context, lister, store
from ._parser import ANY_SERVER, Option, Positional, Syntax, argument_pair, positive_int, variable

_OUT = Option(("-o", "--out"), "out", metavar="VAR", help="also store the value in the variable VAR", type=variable)

COMPLETE = Syntax(
    name="complete",
    summary="the server's completions for a prompt argument (or a resource-template variable)",
    usage=(
        "%mcp complete SERVER.PROMPT ARG [VALUE] [--context k=v ...]",
        "%mcp complete SERVER ARG [VALUE] --template URI_TEMPLATE [--context k=v ...]",
    ),
    positionals=(
        Positional("TARGET", "SERVER.PROMPT, or SERVER with --template"),
        Positional("ARG", "the argument (or template variable) to complete"),
        Positional("VALUE", "what is typed so far (default: nothing)", required=False),
    ),
    options=(
        Option(("--template",), "template", metavar="URI", help="complete a variable of this resource template"),
        Option(("--context",), "context", "multi", "k=v", "an argument already chosen (repeatable)",
               lambda value, flag: argument_pair(value, flag)),
        _OUT,
    ),
    notes="Python: wb.complete('ev.completable-prompt', 'name', 'A', context={'department': 'Engineering'}).\n"
          "Tab completion of %mcp prompt SERVER.PROMPT ARG=<TAB> asks the same question.",
    examples=(
        "%mcp complete ev.completable-prompt department En",
        "%mcp complete ev.completable-prompt name --context department=Sales",
        "%mcp complete demo item_id 4 --template demo://items/{item_id}",
    ),
)

SUBSCRIBE = Syntax(
    name="subscribe",
    summary="follow changes of a resource (updates are counted; see %mcp subscriptions)",
    usage=("%mcp subscribe SERVER URI [-o VAR]",),
    positionals=(Positional("SERVER", "the server"), Positional("URI", "the resource, e.g. demo://counter")),
    options=(_OUT,),
    notes="Python: sub = wb.subscribe(server, uri, on_update=fn); sub.updates, sub.last_update, sub.unsubscribe().",
    examples=("%mcp subscribe demo demo://counter",),
)

UNSUBSCRIBE = Syntax(
    name="unsubscribe",
    summary="stop following a resource",
    usage=("%mcp unsubscribe SERVER URI",),
    positionals=(Positional("SERVER", "the server"), Positional("URI", "the resource")),
    examples=("%mcp unsubscribe demo demo://counter",),
)

SUBSCRIPTIONS = Syntax(
    name="subscriptions",
    summary="the active subscriptions: server, uri, updates, last update",
    usage=("%mcp subscriptions [SERVER]",),
    positionals=(ANY_SERVER,),
    examples=("%mcp subscriptions",),
)

LOG_LEVEL = Syntax(
    name="log-level",
    summary="the lowest level of log messages a server should send",
    usage=("%mcp log-level SERVER LEVEL",),
    positionals=(Positional("SERVER", "the server"), Positional("LEVEL", "one of " + ", ".join(LEVELS))),
    notes="2025 servers are sent logging/setLevel; 2026 servers get the level with every request.",
    examples=("%mcp log-level demo warning", "%mcp log-level ev debug"),
)

LOGS = Syntax(
    name="logs",
    summary="servers' log messages (this kernel's): time, server, level, logger, message, data",
    usage=("%mcp logs [SERVER] [--level L] [--last N]",),
    positionals=(ANY_SERVER,),
    options=(
        Option(("--level",), "level", metavar="L", help="only messages at level L or above"),
        Option(("--last", "-n"), "last", metavar="N", help="only the last N messages", type=positive_int),
    ),
    examples=("%mcp logs", "%mcp logs demo --level warning --last 20"),
)


def run_complete(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    values = ctx.wb.complete(v["TARGET"], v["ARG"], v["VALUE"] or "", context=dict(v["context"]) or None,
                             template=v["template"])  # fmt: skip
    return store(ctx, v["out"], values)


def run_subscribe(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    return store(ctx, v["out"], ctx.wb.subscribe(v["SERVER"], v["URI"]))


def run_unsubscribe(ctx: Context, v: dict[str, Any], cell: str | None) -> None:
    ctx.wb.unsubscribe(v["SERVER"], v["URI"])
    print(f"unsubscribed from {v['URI']} on {v['SERVER']}")


def run_log_level(ctx: Context, v: dict[str, Any], cell: str | None) -> None:
    ctx.wb.set_log_level(v["SERVER"], v["LEVEL"])
    print(f"{v['SERVER']}: log messages at {v['LEVEL'].lower()} and above")


COMMANDS = [
    Command(COMPLETE, run_complete),
    Command(SUBSCRIBE, run_subscribe),
    Command(UNSUBSCRIBE, run_unsubscribe),
    Command(SUBSCRIPTIONS, lister("subscriptions")),
    Command(LOG_LEVEL, run_log_level),
    Command(LOGS, lister("logs", "level", "last")),
]
