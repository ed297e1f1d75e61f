"""Asking before ``%mcp call`` runs a tool annotated destructive (``destructiveHint: true``).

The question names the tool and its arguments and goes to the front end's input box (the
kernel's stdin); nothing is sent to the server before the answer. Where no one can answer (a
headless run: nbclient, papermill, a script) the call is refused with a one-line error that says
how to allow it. ``%config McpWorkbench.confirm_destructive = False`` turns the question off;
``wb.call`` from code is never asked.
"""

from __future__ import annotations

import builtins
import json
import sys
from typing import Any

from IPython.core.error import UsageError

from ...core.secrets import mask
from ...views.describe import flags

_YES = {"y", "yes"}


def can_ask(shell: Any) -> bool:
    """Is there a person at a front end to answer ``input()`` now?

    In a kernel: only when the front end allowed stdin for this execution (JupyterLab does;
    nbclient and papermill do not). Elsewhere (a terminal IPython): when stdin is a terminal.
    """
    kernel = getattr(shell, "kernel", None)
    if kernel is not None:
        return bool(getattr(kernel, "_allow_stdin", False))
    stdin = sys.stdin
    return stdin is not None and stdin.isatty()


def question(target: str, arguments: dict[str, Any]) -> str:
    args = json.dumps(mask(arguments), ensure_ascii=False, default=str)  # secret-looking values stay ***
    return f"{target} is marked destructive. Run {target}({args})? [y/N] "


def confirm_destructive(shell: Any, target: str, tool: Any, arguments: dict[str, Any]) -> None:
    """Return when ``tool`` may run; raise a one-line ``UsageError`` when it may not."""
    if not flags(tool)[1]:
        return
    if not can_ask(shell):
        raise UsageError(
            f"{target} is marked destructive and there is no one to confirm it here (no interactive front end): "
            f"allow it with %config McpWorkbench.confirm_destructive = False, or call wb.call({target!r}, ...) from code"
        )
    try:
        answer = builtins.input(question(target, arguments))  # ipykernel's input(): the front end's input box
    except (EOFError, KeyboardInterrupt):
        answer = ""
    if answer.strip().lower() not in _YES:
        raise UsageError(f"{target} was not run: not confirmed (answer y to run it)")
