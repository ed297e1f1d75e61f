"""Argument checking against a tool's JSON Schema, before anything is sent.

Validators are compiled once per schema object and cached (rebuilding one per call doubled the
cost of a call in the prototype). Errors name the tool and the field, in one line.
"""

from __future__ import annotations

import json
from typing import Any


from ..errors import ArgumentError
from .secrets import mask_text

_cache: dict[int, tuple[dict[str, Any], Any, Any]] = {}

# Most tool schemas are a flat object of simply typed fields. For those a hand-built check
# (required names, isinstance per field) is several times cheaper than jsonschema; anything
# richer, and every failure (to word the error), goes through jsonschema.
_PLAIN_KEYS = {"type", "title", "description", "default", "examples"}
_TOP_KEYS = {"type", "properties", "required", "title", "description", "$schema", "additionalProperties"}
_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "array": (list, tuple), "object": (dict,), "null": (type(None),),
}  # fmt: skip


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
        if not kinds or not all(k in _PY_TYPES for k in kinds):
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


def _validator(schema: dict[str, Any]) -> tuple[Any, Any]:
    """(fast check or None, jsonschema validator or None), built once per schema object."""
    key = id(schema)
    hit = _cache.get(key)
    if hit is not None and hit[0] is schema:
        return hit[1], hit[2]
    import jsonschema  # lazily: with Jupyter's optional extras its import alone takes ~1 s

    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        validator = cls(schema, format_checker=None)
    except Exception:  # a server's broken schema must not block the call: skip validation
        validator = None
    fast = _flat_checker(schema) if validator is not None else None
    if len(_cache) > 4096:
        _cache.clear()
    _cache[key] = (schema, fast, validator)
    return fast, validator


def validate_arguments(target: str, schema: dict[str, Any] | None, arguments: dict[str, Any]) -> None:
    """Raise ``ArgumentError`` naming the first bad field, with what the schema expects."""
    if not schema:
        return
    fast, validator = _validator(schema)
    if validator is None:
        return
    # Fast path: most calls are valid; neither check builds error objects.
    if (fast(arguments) if fast is not None else validator.is_valid(arguments)) or validator.is_valid(arguments):
        return
    from jsonschema.exceptions import best_match

    error = best_match(validator.iter_errors(arguments))
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
