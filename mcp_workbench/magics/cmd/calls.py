"""``%mcp describe`` / ``call`` / ``%%mcp call`` / ``app`` / ``prompt`` / ``read``: using what servers offer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from IPython.core.error import UsageError

from ...errors import ArgumentError, CallTimeoutError
from .base import Command, Context, store
from ._parser import Option, Positional, Syntax, argument_pair, positive_float, variable

_OUT = Option(("-o", "--out"), "out", metavar="VAR", help="also store the result in the variable VAR", type=variable)
_TIMEOUT = Option(("--timeout",), "timeout", metavar="S", help="give up (and cancel) after S seconds",
                  type=positive_float)  # fmt: skip
_ARGS = Positional("k=v", "arguments; values are JSON when they parse, then typed by the tool's schema",
                   required=False, many=True, type=argument_pair)  # fmt: skip


def _check_pairs(syntax: Syntax, v: dict[str, Any]) -> None:
    seen: set[str] = set()
    for key, _ in v["k=v"]:
        if key in seen:
            raise syntax.fail(f"argument {key!r} given twice")
        seen.add(key)


DESCRIBE = Syntax(
    name="describe",
    summary="a tool's description, its parameters as a table (from its schema) and an example call",
    usage=("%mcp describe SERVER.TOOL",),
    positionals=(Positional("SERVER.TOOL", "the tool"),),
    examples=("%mcp describe demo.add",),
)

CALL = Syntax(
    name="call",
    summary="call a tool; the result is returned (so `_` holds it) and shown richly",
    usage=(
        "%mcp call SERVER.TOOL [k=v ...] [-o VAR] [--timeout S] [--task]",
        "%%mcp call SERVER.TOOL [-o VAR]  (cell: JSON or YAML)",
    ),
    positionals=(Positional("SERVER.TOOL", "the tool (a bare TOOL works when one server has it)"), _ARGS),
    options=(_OUT, _TIMEOUT, Option(("--task",), "task", "flag",
                                    help="run it as a task: a Task with a live status line, returned at once")),
    notes=(
        "Quote values with spaces or JSON: text='two words' items='[1, 2]'. In a %%mcp call cell the body\n"
        "holds the arguments as JSON or YAML; k=v on the magic line override it. A long call shows progress.\n"
        "--task returns a Task (t.result() waits; %mcp task SERVER ID re-attaches); a tool that only runs as a\n"
        "task (taskSupport required) is run as one and waited for without it.\n"
        "A tool annotated destructive asks first (y/N, naming its arguments); where no one can answer (nbclient,\n"
        "papermill) it is refused. %config McpWorkbench.confirm_destructive = False runs it without asking."
    ),
    examples=(
        "%mcp call demo.add a=1 b=2",
        "%mcp call demo.echo text='hello world' -o greeting",
        "%mcp call demo.slow seconds=3 --timeout 10",
        "%mcp call demo.countdown steps=5 --task -o t",
        "%%mcp call demo.table\nrows: 3",
    ),
    cell=True,
    finish=_check_pairs,
)

APP = Syntax(
    name="app",
    summary="call a tool that has an MCP App and show the app, live (its result below it)",
    usage=("%mcp app SERVER.TOOL [k=v ...] [-o VAR] [--timeout S]",),
    positionals=(Positional("SERVER.TOOL", "a tool whose _meta.ui.resourceUri names its app"), _ARGS),
    options=(_OUT, _TIMEOUT),
    notes=(
        "The app runs in a sandboxed iframe; its calls go through the workbench (history, traffic,\n"
        "cassettes). -o VAR keeps the AppView (its .links, .messages, .problems; .close() ends it).\n"
        "%mcp call shows the app too; wb.apps() lists every tool that has one."
    ),
    examples=("%mcp app demo.counter", "%mcp app demo.counter -o counter"),
    finish=_check_pairs,
)

PROMPT = Syntax(
    name="prompt",
    summary="render a prompt with its arguments",
    usage=(
        "%mcp prompt SERVER.PROMPT [k=v ...] [-o VAR] [--timeout S]",
        "%%mcp prompt SERVER.PROMPT [-o VAR]  (cell: JSON or YAML)",
    ),
    positionals=(Positional("SERVER.PROMPT", "the prompt"), _ARGS),
    options=(_OUT, _TIMEOUT),
    examples=("%mcp prompt demo.review code='print(1)'", "%mcp prompt demo.summarize text='a long text' style=bullets"),
    cell=True,
    finish=_check_pairs,
)

READ = Syntax(
    name="read",
    summary="read a resource (or a filled-in resource template) by URI",
    usage=("%mcp read SERVER URI [-o VAR] [--timeout S]",),
    positionals=(Positional("SERVER", "the server"), Positional("URI", "the resource, e.g. demo://readme")),
    options=(_OUT, _TIMEOUT),
    examples=("%mcp read demo demo://readme", "%mcp read demo demo://items/42 -o item"),
)


def run_describe(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    from ...views.describe import describe_tool  # perf: these import pandas: when used, not at %load_ext

    return describe_tool(ctx.wb, v["SERVER.TOOL"])


@contextmanager
def _one_line_errors(target: str) -> Iterator[None]:
    """A call's user mistakes as one line each (IPython shows a UsageError without a traceback)."""
    try:
        yield
    except ArgumentError as exc:
        raise UsageError(f"{exc}; see %mcp describe {target}") from None
    except CallTimeoutError as exc:
        raise UsageError(f"{exc}: add --timeout S") from None
    except KeyboardInterrupt:
        raise UsageError(f"{target}: interrupted; the call was cancelled and the server stays usable") from None


def run_call(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    from ...views.display import CallProgress  # imports IPython display helpers: when used

    target, arguments = _confirmed_arguments(ctx, v)
    if v["task"]:
        with _one_line_errors(target):
            return store(ctx, v["out"], ctx.wb.call(target, arguments, timeout=v["timeout"], task=True))
    with CallProgress(ctx.shell, target, submit=ctx.wb.submit) as progress, _one_line_errors(target):
        result = ctx.wb.call(target, arguments, timeout=v["timeout"], on_progress=progress.handler)
    return store(ctx, v["out"], result)


def run_app(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    """``%mcp app``: the tool's MCP App (``wb.app``)."""
    target = v["SERVER.TOOL"]
    try:
        ctx.wb.app_host.require_app(target)
    except ArgumentError:
        raise UsageError(f"{target} has no app (no _meta.ui.resourceUri); use %mcp call {target} "
                         "(wb.apps() lists the tools that have one)") from None  # fmt: skip
    target, arguments = _confirmed_arguments(ctx, v)
    with _one_line_errors(target):
        view = ctx.wb.app(target, arguments, timeout=v["timeout"])
    return store(ctx, v["out"], view)


def _confirmed_arguments(ctx: Context, v: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The address and arguments of a call, once a destructive tool was confirmed (asked, or
    refused where no one can answer) before anything is sent.

    ``k=v`` values need the tool (its schema types them), and so does the destructive check:
    then the tool is resolved here, once, with suggestions when it is unknown, and the call gets
    its full ``server.tool`` address, which the workbench finds with one dict lookup. A cell body
    (already typed JSON or YAML) or no arguments need no lookup otherwise.
    """
    target, body, pairs = v["SERVER.TOOL"], v.get("body", {}), dict(v["k=v"])
    if not pairs and not ctx.confirm_destructive:
        return target, dict(body)
    from ...core.validation import coerce_arguments

    server, tool = ctx.wb.resolve(target)
    target = f"{server}.{tool.name}"
    arguments = {**body, **coerce_arguments(tool.input_schema or {}, pairs)} if pairs else dict(body)
    if ctx.confirm_destructive:
        from .confirm import confirm_destructive  # perf: imports views (pandas): when used

        confirm_destructive(ctx.shell, target, tool, arguments)
    return target, arguments


def run_prompt(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    arguments = {**v.get("body", {}), **dict(v["k=v"])}
    return store(ctx, v["out"], ctx.wb.get_prompt(v["SERVER.PROMPT"], arguments, timeout=v["timeout"]))


def run_read(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    return store(ctx, v["out"], ctx.wb.read(v["SERVER"], v["URI"], timeout=v["timeout"]))


COMMANDS = [
    Command(DESCRIBE, run_describe),
    Command(CALL, run_call),
    Command(APP, run_app),  # apps:
    Command(PROMPT, run_prompt),
    Command(READ, run_read),
]
