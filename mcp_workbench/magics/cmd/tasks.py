"""``%mcp tasks`` / ``task``: long-running tool calls (``%mcp call ... --task`` starts one)."""

from __future__ import annotations

from typing import Any

from .base import Command, Context, lister, store
from ._parser import ANY_SERVER, Option, Positional, Syntax, positive_float, variable

TASKS = Syntax(
    name="tasks",
    summary="every task started or followed (earlier kernels' too): id, server, tool, status, message, times",
    usage=("%mcp tasks [SERVER] [--remote]",),
    positionals=(ANY_SERVER,),
    options=(Option(("--remote",), "remote", "flag", help="ask the server for its own list (tasks/list)"),),
    notes="Python: wb.tasks(server=None, remote=False). Start one with %mcp call SERVER.TOOL ... --task.",
    examples=("%mcp tasks", "%mcp tasks ev --remote"),
)


def _check_task(syntax: Syntax, v: dict[str, Any]) -> None:
    if v["cancel"] and v["result"]:
        raise syntax.fail("use --cancel or --result, not both")


TASK = Syntax(
    name="task",
    summary="re-attach to a task by id (also after a kernel restart): its live status line, or cancel it",
    usage=("%mcp task SERVER ID [--cancel | --result [--timeout S]] [-o VAR]",),
    positionals=(Positional("SERVER", "the server that runs it"), Positional("ID", "the task id (see %mcp tasks)")),
    options=(
        Option(("--cancel",), "cancel", "flag", help="ask the server to cancel the task"),
        Option(("--result",), "result", "flag", help="wait for the task's result and show it"),
        Option(("--timeout",), "timeout", metavar="S", help="with --result: wait at most S seconds",
               type=positive_float),
        Option(("-o", "--out"), "out", metavar="VAR", help="also store the task (or result) in VAR", type=variable),
    ),
    notes="Python: t = wb.task(server, id); t.status, t.result(timeout=None), t.cancel(), t.refresh().",
    examples=("%mcp task ev 1f3a9c", "%mcp task ev 1f3a9c --result --timeout 60", "%mcp task ev 1f3a9c --cancel"),
    finish=_check_task,
)


def run_task(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    task = ctx.wb.task(v["SERVER"], v["ID"])
    if v["cancel"]:
        task.cancel()
    return store(ctx, v["out"], task.result(timeout=v["timeout"]) if v["result"] else task)


COMMANDS = [Command(TASKS, lister("tasks", "remote")), Command(TASK, run_task)]
