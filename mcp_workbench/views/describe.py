"""What the workbench knows about one tool or prompt, shaped for people and for completers.

``describe_tool`` gives a tool's description, a table of its parameters (from the JSON Schema)
and a ready-to-run example call; the name helpers feed tab completion. Lives outside the magics
so the Python API and the widgets can use the same answers.
"""

from __future__ import annotations

import html
import json
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import WorkbenchError

if TYPE_CHECKING:
    from ..facade import Workbench

PARAMETER_COLUMNS = ["name", "type", "required", "default", "description"]


@dataclass(frozen=True, eq=False)  # a DataFrame field has no single truth value for ==
class ToolDescription:
    """A tool, described: ``.parameters`` is a DataFrame, ``.example`` a ``%mcp call`` line."""

    server: str
    name: str
    title: str | None
    description: str | None
    read_only: bool
    destructive: bool
    parameters: pd.DataFrame
    example: str
    input_schema: dict[str, Any]

    def __repr__(self) -> str:
        flags = ", ".join(f for f, on in (("read-only", self.read_only), ("destructive", self.destructive)) if on)
        head = f"{self.server}.{self.name}" + (f" — {self.title}" if self.title else "") + (f" [{flags}]" if flags else "")
        params = self.parameters.to_string(index=False) if len(self.parameters) else "(no parameters)"
        return f"{head}\n{self.description or '(no description)'}\n\n{params}\n\nexample: {self.example}"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        flags = "".join(
            f' <span style="color:{c}">[{f}]</span>'
            for f, on, c in (("read-only", self.read_only, "#2e7d32"), ("destructive", self.destructive, "#b00020"))
            if on
        )
        title = f" — {html.escape(self.title)}" if self.title else ""
        params = (
            self.parameters.to_html(index=False, escape=True) if len(self.parameters) else "<p>(no parameters)</p>"
        )
        body = (
            f"<div><b><code>{html.escape(self.server)}.{html.escape(self.name)}</code></b>{title}{flags}</div>"
            f"<p>{html.escape(self.description or '(no description)')}</p>{params}"
            f"<p>example: <code>{html.escape(self.example)}</code></p>"
        )
        return {"text/plain": repr(self), "text/html": body}


def flags(tool: Any) -> tuple[bool, bool]:
    """(read_only, destructive) from a tool's annotations: destructive only when annotated so
    (``destructiveHint: true``) and not read-only, as every listing and confirmation reads it."""
    ann = tool.annotations
    read_only = bool(ann and ann.read_only_hint)
    return read_only, bool(ann and ann.destructive_hint and not read_only)


def type_name(prop: dict[str, Any]) -> str:
    """A short human name for a property's type: ``integer``, ``string | null``, ``array of number``."""
    if "enum" in prop:
        return "one of " + ", ".join(json.dumps(v) for v in prop["enum"])
    kind = prop.get("type")
    if isinstance(kind, list):
        return " | ".join(map(str, kind))
    if kind == "array" and isinstance(prop.get("items"), dict):
        return f"array of {type_name(prop['items'])}"
    if kind:
        return str(kind)
    for key in ("anyOf", "oneOf"):
        if isinstance(prop.get(key), list):
            return " | ".join(type_name(p) for p in prop[key] if isinstance(p, dict))
    return "any"


def _example_value(prop: dict[str, Any], position: int) -> str:
    for key in ("examples", "enum"):
        if isinstance(prop.get(key), list) and prop[key]:
            value = prop[key][0]
            return value if isinstance(value, str) else json.dumps(value)
    if "default" in prop and prop["default"] is not None:
        value = prop["default"]
        return value if isinstance(value, str) else json.dumps(value)
    kind = type_name(prop).split(" ")[0]
    n = position + 1  # a=1 b=2 reads better than a=1 b=1
    return {"integer": str(n), "number": f"{n}.5", "boolean": "true", "array": "[1, 2]", "object": '{"key": "value"}',
            "null": "null"}.get(kind, "text")  # fmt: skip


def example_call(server: str, tool: str, schema: dict[str, Any]) -> str:
    """A ``%mcp call`` line with a plausible value for every required parameter."""
    props = schema.get("properties") or {}
    parts = [f"%mcp call {server}.{tool}"]
    for position, name in enumerate(schema.get("required") or []):
        parts.append(f"{name}={shlex.quote(_example_value(props.get(name) or {}, position))}")
    return " ".join(parts)


def describe_tool(wb: Workbench, target: str) -> ToolDescription:
    server, tool = wb.resolve(target)  # ``server.tool`` or a unique bare name, with suggestions
    schema = tool.input_schema or {}
    required = set(schema.get("required") or [])
    rows = [
        {
            "name": name,
            "type": type_name(prop if isinstance(prop, dict) else {}),
            "required": name in required,
            "default": json.dumps(prop["default"]) if isinstance(prop, dict) and "default" in prop else "",
            "description": (prop.get("description") or prop.get("title") or "") if isinstance(prop, dict) else "",
        }
        for name, prop in (schema.get("properties") or {}).items()
    ]
    ann = tool.annotations
    read_only, destructive = flags(tool)
    return ToolDescription(
        server=server,
        name=tool.name,
        title=tool.title or (ann.title if ann else None),
        description=tool.description,
        read_only=read_only,
        destructive=destructive,
        parameters=pd.DataFrame(rows, columns=PARAMETER_COLUMNS),
        example=example_call(server, tool.name, schema),
        input_schema=schema,
    )


# ---------------------------------------------------------------- names, for completion
def server_names(wb: Workbench) -> list[str]:
    return wb.server_names()


def targets(wb: Workbench, kind: str = "tool") -> list[str]:
    """Every ``server.tool`` (or ``server.prompt``) address."""
    out: list[str] = []
    for conn in wb.server_views():
        items = conn.prompts if kind == "prompt" else conn.tools
        out.extend(f"{conn.name}.{name}" for name in items)
    return out


def parameter_names(wb: Workbench, target: str, kind: str = "tool") -> list[str]:
    """The argument names of a tool (schema properties) or prompt; empty when unknown."""
    server, _, name = target.partition(".")
    if server not in wb.server_names():
        return []
    conn = wb.server(server)
    if kind == "prompt":
        prompt = conn.prompts.get(name)
        return [a.name for a in (prompt.arguments or [])] if prompt else []
    tool = conn.tools.get(name)
    return list(((tool.input_schema or {}).get("properties") or {}).keys()) if tool else []


def resource_uris(wb: Workbench, server: str) -> list[str]:
    if server not in wb.server_names():
        return []
    return [str(r.uri) for r in wb.server(server).resources]


def argument_values(wb: Workbench, target: str, argument: str, value: str, context: dict[str, str]) -> list[str]:
    """The server's completions of a prompt argument (``completion/complete``), for tab completion:
    nothing when the server offers none or does not answer within 2 s."""
    server = target.partition(".")[0]
    if server not in wb.server_names() or not wb.server(server).offers("completions"):
        return []
    try:
        return wb.complete(target, argument, value, context=context or None, timeout=2)
    except WorkbenchError:
        return []
