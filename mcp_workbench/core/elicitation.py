"""Elicitation requests: what a hook sees, what it may answer, and the interactive default.

A hook gets an ``ElicitationRequest`` and answers with a dict (accept with that content),
"accept" / "accept_defaults" (accept with the schema's defaults), "decline", "cancel", an
``ElicitResult``, or None (cancel). The interactive default asks field by field (``input()``, or the
running chat turn's channel), prefilled with the schema's defaults.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types

logger = logging.getLogger("mcp_workbench.requests")
Ask = Callable[[str], Awaitable[str]]
_TRUE, _FALSE = {"y", "yes", "true", "1", "on"}, {"n", "no", "false", "0", "off"}


@dataclass(frozen=True)
class ElicitationRequest:
    server: str
    message: str
    schema: dict[str, Any] = field(default_factory=dict)
    mode: str = "form"  # or "url": the user is sent to ``url``
    url: str | None = None

    @property
    def properties(self) -> dict[str, Any]:
        return dict(self.schema.get("properties") or {})

    @property
    def required(self) -> list[str]:
        return list(self.schema.get("required") or [])

    @property
    def defaults(self) -> dict[str, Any]:
        """Every default the schema gives."""
        return {k: p["default"] for k, p in self.properties.items() if isinstance(p, dict) and "default" in p}

    @classmethod
    def from_params(cls, server: str, params: Any) -> ElicitationRequest:
        if isinstance(params, types.ElicitRequestURLParams):
            return cls(server, params.message, mode="url", url=params.url)
        return cls(server, params.message, dict(params.requested_schema or {}))


def to_result(request: ElicitationRequest, answer: Any) -> types.ElicitResult:
    """A hook's answer as the protocol's result."""
    if isinstance(answer, types.ElicitResult):
        return answer
    if isinstance(answer, dict):
        return types.ElicitResult(action="accept", content=answer)
    if answer in ("accept", "accept_defaults"):
        return accept_defaults(request)
    if answer in ("decline", "cancel"):
        return types.ElicitResult(action=answer)
    return types.ElicitResult(action="cancel")


def accept_defaults(request: ElicitationRequest) -> types.ElicitResult:
    """Accept with the schema's defaults; decline when a required field has none (a headless
    run must not invent the user's data)."""
    if request.mode == "url":
        return types.ElicitResult(action="accept")
    content = request.defaults
    missing = [k for k in request.required if k not in content]
    if missing:
        logger.warning("elicitation from %s declined: required field(s) %s have no default",
                       request.server, ", ".join(missing))  # fmt: skip
        return types.ElicitResult(action="decline")
    return types.ElicitResult(action="accept", content=content)


async def ask_user(request: ElicitationRequest, ask: Ask) -> types.ElicitResult:
    """The interactive default: accept / decline / cancel, then each field (Enter keeps the default)."""
    where = f"\n  open {request.url}" if request.url else ""
    choice = (await ask(f"[{request.server}] {request.message}{where}\n  accept, decline or cancel? [a/d/c] ")).strip()
    if choice[:1].lower() in ("d", "c"):
        return types.ElicitResult(action="decline" if choice[:1].lower() == "d" else "cancel")
    if request.mode == "url":
        return types.ElicitResult(action="accept")
    content: dict[str, Any] = {}
    for name, prop in request.properties.items():
        value = await _ask_field(name, prop if isinstance(prop, dict) else {}, name in request.required, ask)
        if value is not None:
            content[name] = value
    return types.ElicitResult(action="accept", content=content)


async def _ask_field(name: str, prop: dict[str, Any], required: bool, ask: Ask) -> Any:
    choices = _choices(prop)
    hint = prop.get("type", "string") + (", required" if required else "")
    if choices:
        hint += ", one of " + ", ".join(map(str, choices))
    default = prop.get("default")
    question = f"  {prop.get('title') or name} ({hint})" + (f" [{default}]" if default is not None else "") + ": "
    for _ in range(3):
        raw = (await ask(question)).strip()
        if not raw:
            if default is not None or not required:
                return default
            question = f"  {name} is required: "
            continue
        try:
            return coerce(raw, prop)
        except ValueError as exc:
            question = f"  {exc}; {name} again: "
    raise ValueError(f"no valid value for {name!r}")


def _choices(prop: dict[str, Any]) -> list[Any]:
    source = prop.get("items", prop) if prop.get("type") == "array" else prop
    if "enum" in source:
        return list(source["enum"])
    return [o.get("const") for o in source.get("oneOf") or source.get("anyOf") or [] if isinstance(o, dict)]


def coerce(raw: str, prop: dict[str, Any]) -> Any:
    """Typed value of a typed answer, checked against the field's type and choices."""
    kind = prop.get("type", "string")
    if kind == "boolean":
        if raw.lower() in _TRUE | _FALSE:
            return raw.lower() in _TRUE
        raise ValueError("answer yes or no")
    if kind == "integer":
        return int(raw)
    if kind == "number":
        return float(raw)
    choices = _choices(prop)
    if kind == "array":
        values = [v.strip() for v in raw.split(",") if v.strip()]
        bad = [v for v in values if choices and v not in choices]
        if bad:
            raise ValueError(f"{', '.join(bad)} not among {', '.join(map(str, choices))}")
        return values
    if choices and raw not in choices:
        raise ValueError(f"choose one of {', '.join(map(str, choices))}")
    return raw
