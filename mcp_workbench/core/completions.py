"""Argument completions (``completion/complete``) for prompt and resource-template arguments.

Both eras speak the same request; it is sent only to a server that advertised ``completions``.
The argument is checked against what the server listed first, so a typo is a one-line error
with suggestions instead of an empty list.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any

import mcp_types as types

from ..errors import ArgumentError, ToolNotFoundError
from .capabilities import require

if TYPE_CHECKING:
    from .connection import Connection

_VARIABLE = re.compile(r"\{[+#./;?&]?([^}]+)\}")


def template_variables(uri_template: str) -> list[str]:
    """The variable names of an RFC 6570 URI template (``{a}``, ``{+b}``, ``{?c,d}``)."""
    return [name.strip().rstrip("*") for group in _VARIABLE.findall(uri_template) for name in group.split(",")]


def _hint(word: str, known: list[str]) -> str:
    close = difflib.get_close_matches(word, known, n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(map(repr, close))}?" if close else f"; known: {', '.join(known) or 'none'}"


def check(conn: Connection) -> None:
    require(conn.name, conn.capabilities, "completions")


def reference(conn: Connection, name: str | None, argument: str, template: str | None) -> Any:
    """The ``ref`` of the request: a listed prompt (``name``) or a listed template's URI."""
    check(conn)
    if template is not None:
        listed = [t.uri_template for t in conn.templates]
        if template not in listed:
            raise ToolNotFoundError(f"server {conn.name!r} has no resource template {template!r}{_hint(template, listed)}")
        variables = template_variables(template)
        if argument not in variables:
            raise ArgumentError(f"template {template!r} has no variable {argument!r}{_hint(argument, variables)}")
        return types.ResourceTemplateReference(type="ref/resource", uri=template)
    prompt = conn.prompts.get(name or "")
    if prompt is None:
        raise ToolNotFoundError(f"server {conn.name!r} has no prompt {name!r}{_hint(name or '', list(conn.prompts))}")
    names = [a.name for a in prompt.arguments or []]
    if argument not in names:
        raise ArgumentError(f"prompt {conn.name}.{name} has no argument {argument!r}{_hint(argument, names)}")
    return types.PromptReference(type="ref/prompt", name=prompt.name)


async def complete(
    conn: Connection, ref: Any, argument: str, value: str, context: dict[str, Any] | None, *, timeout: float | None
) -> list[str]:
    """The server's suggestions for ``argument`` starting from ``value`` (``context``: the other
    arguments already chosen, which some completions depend on)."""
    check(conn)
    given = {k: v if isinstance(v, str) else str(v) for k, v in (context or {}).items()}
    result = await conn.request(
        lambda c: c.complete(ref, {"name": argument, "value": str(value)}, given or None),
        timeout=timeout, what=f"completion of {argument!r}",
    )  # fmt: skip
    return list(result.completion.values)
