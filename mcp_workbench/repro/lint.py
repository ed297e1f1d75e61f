"""Lint a server: what in its tools and prompts will trip up clients and models.

Read from the wire (``wb.request``), not from the connection's tidy dicts, because the
problems hide in what a dict would smooth over: two tools with one name, a schema a model
cannot use. Recorded calls (a cassette) add the one check a listing cannot make: does the
``structuredContent`` a tool really returns match the ``outputSchema`` it promises?
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.tokens import estimate_tokens
from ..errors import ProtocolError
from .cassette import read_entries
from .compare import LISTINGS, fetch_pages

COLUMNS = ["severity", "kind", "name", "rule", "message"]
SEVERITIES = ("error", "warning", "info")
TOKEN_THRESHOLD = 800  # one tool definition above this costs a model noticeably on every turn
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")  # the spec's tool (and prompt) name syntax
_MODEL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what OpenAI-style function calling accepts


@dataclass(frozen=True)
class Finding:
    severity: str
    kind: str
    name: str
    rule: str
    message: str


def fetch_listing(wb: Any, server: str, method: str) -> list[dict[str, Any]]:
    """Every item of every page of a listing, as JSON, duplicates kept."""
    try:
        pages = fetch_pages(wb, server, method)
    except ProtocolError as exc:
        raise ProtocolError(f"{server}: {exc}") from None
    key = LISTINGS[method][0]
    return [item for page in pages for item in page.get(key) or [] if isinstance(item, dict)]


def check_names(kind: str, items: list[dict[str, Any]]) -> Iterable[Finding]:
    counts = Counter(str(i.get("name")) for i in items)
    for name, count in counts.items():
        if count > 1:
            yield Finding("error", kind, name, "duplicate-name", f"{count} {kind}s are named {name!r}: clients keep one of them")
    for item in items:
        name = item.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            yield Finding("error", kind, str(name), "name-syntax",
                          f"{kind} name {name!r} must be 1-128 characters of A-Z a-z 0-9 _ - .")  # fmt: skip
        elif kind == "tool" and not _MODEL_NAME.match(name):
            yield Finding("warning", kind, name, "model-name",
                          f"{name!r} is not a valid function name for OpenAI-style models (A-Z a-z 0-9 _ -, at most 64): "
                          "clients must rename it")  # fmt: skip
        if not str(item.get("description") or "").strip():
            yield Finding("warning", kind, str(name), "missing-description",
                          f"{kind} {name!r} has no description: a model has only its name to go by")  # fmt: skip


def check_schema(name: str, which: str, schema: Any) -> Iterable[Finding]:
    """``which``: "input" or "output"; the schema must be a valid JSON Schema of an object."""
    rule = f"{which}-schema-invalid"
    if schema is None:
        return
    if not isinstance(schema, dict) or schema.get("type") != "object":
        yield Finding("error", "tool", name, rule, f"{which}Schema of {name!r} must be a JSON Schema with type 'object'")
        return
    from jsonschema import exceptions, validators

    try:
        validators.validator_for(schema, default=validators.Draft202012Validator).check_schema(schema)
    except exceptions.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        yield Finding("error", "tool", name, rule, f"{which}Schema of {name!r} is not valid JSON Schema at {where}: {exc.message}")
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    missing = [r for r in schema.get("required") or [] if r not in properties]
    if missing:
        yield Finding("error", "tool", name, "required-not-in-properties",
                      f"{which}Schema of {name!r} requires {', '.join(map(repr, missing))}, which it does not define")  # fmt: skip


def check_tool(tool: dict[str, Any], threshold: int) -> Iterable[Finding]:
    name = str(tool.get("name"))
    yield from check_schema(name, "input", tool.get("inputSchema"))
    yield from check_schema(name, "output", tool.get("outputSchema"))
    hints = tool.get("annotations") or {}
    if hints.get("readOnlyHint") is True and hints.get("destructiveHint") is True:
        yield Finding("warning", "tool", name, "annotations-conflict",
                      f"{name!r} is marked both read-only and destructive: clients will not know whether to ask first")  # fmt: skip
    tokens = estimate_tokens(tool)
    if tokens > threshold:
        yield Finding("warning", "tool", name, "too-many-tokens",
                      f"{name!r} costs about {tokens} tokens per model turn (threshold {threshold}): "
                      "shorten its description or schema")  # fmt: skip


def check_recorded(server: str, tools: dict[str, dict[str, Any]], cassette: str | Path) -> Iterable[Finding]:
    """Recorded ``tools/call`` results of ``server`` against the outputSchema its tools declare now."""
    from jsonschema import validators

    for entry in read_entries(cassette):
        if entry.get("type") != "call" or entry.get("server") != server or entry.get("method") != "tools/call":
            continue
        name = str((entry.get("params") or {}).get("name"))
        schema = (tools.get(name) or {}).get("outputSchema")
        result = (entry.get("response") or {}).get("result")
        if not isinstance(schema, dict) or not isinstance(result, dict) or result.get("isError"):
            continue
        structured = result.get("structuredContent")
        if structured is None:
            yield Finding("error", "tool", name, "structured-output-mismatch",
                          f"{name!r} declares an outputSchema but a recorded call returned no structuredContent")  # fmt: skip
            continue
        validator = validators.validator_for(schema, default=validators.Draft202012Validator)(schema)
        error = next(iter(validator.iter_errors(structured)), None) if _valid(validator, schema) else None
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            yield Finding("error", "tool", name, "structured-output-mismatch",
                          f"a recorded result of {name!r} does not match its outputSchema at {where}: {error.message}")  # fmt: skip


def _valid(validator: Any, schema: dict[str, Any]) -> bool:
    try:
        type(validator).check_schema(schema)
    except Exception:  # reported by output-schema-invalid already
        return False
    return True


def lint(wb: Any, server: str, *, cassette: str | Path | None = None, token_threshold: int = TOKEN_THRESHOLD) -> pd.DataFrame:
    """Findings for ``server`` (errors first), one row each: severity, kind, name, rule, message."""
    capabilities = wb.server_info(server).get("capabilities") or {}
    findings: list[Finding] = []
    tools: list[dict[str, Any]] = []
    if "tools" in capabilities:
        tools = fetch_listing(wb, server, "tools/list")
        findings.extend(check_names("tool", tools))
        for tool in tools:
            findings.extend(check_tool(tool, token_threshold))
    if "prompts" in capabilities:
        findings.extend(check_names("prompt", fetch_listing(wb, server, "prompts/list")))
    if cassette is not None:
        findings.extend(check_recorded(server, {str(t.get("name")): t for t in tools}, cassette))
    unique = sorted(dict.fromkeys(findings), key=lambda f: SEVERITIES.index(f.severity))  # a rule fires once per item
    return pd.DataFrame([f.__dict__ for f in unique], columns=COLUMNS)
