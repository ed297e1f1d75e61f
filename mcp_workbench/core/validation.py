"""Argument checking against a tool's JSON Schema, before anything is sent.

Checks are built once per schema object and cached (rebuilding a validator per call doubled the
cost of a call in the prototype). A flat schema (simply typed fields) gets a hand-built check and
never needs jsonschema while its calls are valid; anything richer, and every failure (to word the
error), goes through jsonschema, compiled once. Errors name the tool and the field, in one line.

Importing jsonschema costs ~1-2 s of CPU once per process (with its optional format checkers
installed, ``rfc3987_syntax`` builds a grammar at import time), and the SDK imports it to check
structured results on a tool's first call: ``preload`` starts that import on a worker thread at
the first connect, while the server starts, so no call pays for it.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from ..errors import ArgumentError
from .secrets import mask_text

# Most tool schemas are a flat object of simply typed fields. For those a hand-built check
# (required names, isinstance per field) is several times cheaper than jsonschema.
_PLAIN_KEYS = {"type", "title", "description", "default", "examples"}
_TOP_KEYS = {"type", "properties", "required", "title", "description", "$schema", "additionalProperties"}
_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "array": (list, tuple), "object": (dict,), "null": (type(None),),
}  # fmt: skip
_BROKEN = object()  # a schema jsonschema cannot compile: calls are not checked


def _flat_checker(schema: dict[str, Any]) -> Any:
    """A fast ``args -> bool`` for flat schemas, or None when the schema needs jsonschema."""
    if schema.get("type") != "object" or not set(schema) <= _TOP_KEYS or schema.get("additionalProperties") is False:
        return None
    fields: list[tuple[str, tuple[type, ...], bool]] = []
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict) or not set(prop) <= _PLAIN_KEYS:
            return None
        kinds = prop.get("type")
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) and k in _PY_TYPES for k in kinds):
            return None
        allowed = tuple(t for k in kinds for t in _PY_TYPES[k])
        fields.append((name, allowed, bool(set(kinds) & {"integer", "number"}) and "boolean" not in kinds))
    required = tuple(schema.get("required") or ())

    def check(args: dict[str, Any]) -> bool:
        for name in required:
            if name not in args:
                return False
        for name, allowed, no_bool in fields:
            if name in args:
                value = args[name]
                if not isinstance(value, allowed) or (no_bool and isinstance(value, bool)):
                    return False
        return True

    return check


class _Check:
    """One schema's checks: the fast one (or None) and jsonschema's, compiled on first need."""

    __slots__ = ("schema", "fast", "_full")

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema  # held, so the id() key cannot be reused by another dict
        self.fast = _flat_checker(schema)
        self._full: Any = None

    @property
    def full(self) -> Any:
        """The jsonschema validator, or ``_BROKEN`` when the schema does not compile."""
        if self._full is None:
            import jsonschema  # lazily (see the module's note)

            cls = jsonschema.validators.validator_for(self.schema, default=jsonschema.Draft202012Validator)
            try:
                self._full = cls(self.schema, format_checker=None)
            except Exception:  # a server's broken schema must not block the call: skip validation
                self.broken()
        return self._full

    def broken(self) -> None:
        self._full = _BROKEN


_cache: dict[int, _Check] = {}


def _check_for(schema: dict[str, Any]) -> _Check:
    """The checks of a schema object, built once (an unchanged listing keeps its schema objects)."""
    hit = _cache.get(id(schema))
    if hit is not None and hit.schema is schema:
        return hit
    if len(_cache) > 4096:
        _cache.clear()
    check = _cache[id(schema)] = _Check(schema)
    return check


def validate_arguments(target: str, schema: dict[str, Any] | None, arguments: dict[str, Any]) -> None:
    """Raise ``ArgumentError`` naming the first bad field, with what the schema expects."""
    if not schema:
        return
    check = _check_for(schema)
    # Fast path: most calls are valid; neither check builds error objects.
    if check.fast is not None and check.fast(arguments):
        return
    validator = check.full
    if validator is _BROKEN:
        return
    from jsonschema.exceptions import best_match

    try:
        if validator.is_valid(arguments):
            return
        error = best_match(validator.iter_errors(arguments))
    except Exception:  # the schema is broken in a way only checking shows (an unknown type): as above
        check.broken()
        return
    if error is None:
        return
    required = schema.get("required") or []
    if error.validator == "required":
        missing = [name for name in required if name not in arguments]
        names = ", ".join(repr(m) for m in missing) or error.message
        raise ArgumentError(f"{target}: missing required argument {names} (required: {', '.join(required)})")
    if error.validator == "additionalProperties":
        known = ", ".join(sorted((schema.get("properties") or {}).keys())) or "none"
        raise ArgumentError(f"{target}: {error.message} (known arguments: {known})")
    field = ".".join(str(p) for p in error.absolute_path) or "arguments"
    expected = error.schema.get("type") if isinstance(error.schema, dict) else None
    if error.validator == "type" and expected is not None:
        got = type(error.instance).__name__
        raise ArgumentError(mask_text(f"{target}: argument {field!r} must be {_type_words(expected)}, got {got} {error.instance!r}"))
    raise ArgumentError(mask_text(f"{target}: argument {field!r}: {error.message}"))


_preloading: threading.Thread | None = None


def preload() -> None:
    """Import jsonschema on a daemon thread, once per process (a no-op once it is imported).

    A call that needs it meanwhile waits for that import (Python's import lock), never repeats it.
    """
    global _preloading
    if _preloading is not None or "jsonschema" in sys.modules:
        return
    _preloading = threading.Thread(target=_import_jsonschema, name="mcp-preload-jsonschema", daemon=True)
    _preloading.start()


def _import_jsonschema() -> None:
    import importlib

    # jsonschema itself, and what the SDK's check of structured results imports
    for name in ("jsonschema", "jsonschema.exceptions", "referencing.exceptions"):
        try:
            importlib.import_module(name)
        except Exception:  # not installed or broken: the call that needs it reports it
            return


def _type_words(expected: Any) -> str:
    if isinstance(expected, list):
        return " or ".join(_type_words(e) for e in expected)
    return {"integer": "an integer", "object": "an object", "array": "an array"}.get(str(expected), f"a {expected}")


def coerce_value(value: str, prop: dict[str, Any] | None) -> Any:
    """Turn a ``k=v`` string into the value the schema wants (``a=1`` → 1 for an integer)."""
    types = (prop or {}).get("type")
    if isinstance(types, str):
        types = [types]
    if types == ["string"] or (types and "string" in types and len(types) == 1):
        return value
    try:
        parsed = json.loads(value)
    except (json.JSONDecodeError, ValueError):
        if types and "boolean" in types and value.lower() in ("true", "false", "yes", "no", "on", "off"):
            return value.lower() in ("true", "yes", "on")
        return value
    if types and "string" in types and not isinstance(parsed, str) and not ({"number", "integer"} & set(types)):
        return value
    return parsed


def coerce_arguments(schema: dict[str, Any] | None, raw: dict[str, str]) -> dict[str, Any]:
    """Coerce every ``k=v`` string by the tool's schema; unknown keys are parsed as JSON."""
    props = (schema or {}).get("properties") or {}
    return {key: coerce_value(value, props.get(key)) for key, value in raw.items()}
