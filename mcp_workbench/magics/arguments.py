"""Tool arguments from a JSON or YAML document (a ``%%mcp call`` cell body, a text box).

A document that does not parse names its line and column, because the user has to find the
typo in a cell they cannot see numbered. (``k=v`` pairs are typed by
``validation.coerce_arguments``.)
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import ArgumentError


def parse_document(text: str, *, where: str = "cell body") -> dict[str, Any]:
    """A JSON or YAML mapping of argument names to values; an empty text is ``{}``.

    Text starting with ``{`` is read as JSON (its errors are clearer); anything else as YAML.
    Lines and columns count from 1 at the first line of ``text``.
    """
    stripped = text.strip()
    if not stripped:
        return {}
    if stripped.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ArgumentError(
                f"{where} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}; fix it, or write YAML"
            ) from None
        except RecursionError:
            raise ArgumentError(f"{where} is nested too deeply; flatten it") from None
    else:
        data = _load_yaml(text, where)
        if data is None:  # only comments
            return {}
    if not isinstance(data, dict):
        raise ArgumentError(
            f"{where} must be a mapping of argument names to values (e.g. `a: 1`), got {type(data).__name__}"
        )
    bad = [k for k in data if not isinstance(k, str)]
    if bad:
        raise ArgumentError(f"{where}: argument names must be strings, got {bad[0]!r}; quote it")
    # YAML dates and the like become strings: what goes over the wire is JSON.
    try:
        return json.loads(json.dumps(data, default=str))
    except (ValueError, RecursionError):  # a YAML alias that contains itself
        raise ArgumentError(f"{where} refers to itself (a recursive YAML alias); write the value out") from None


def _load_yaml(text: str, where: str) -> Any:
    import yaml  # perf: when a YAML body is read, not at %load_ext

    try:
        return yaml.safe_load(text)
    except RecursionError:
        raise ArgumentError(f"{where} is nested too deeply; flatten it") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ArgumentError(f"{where} is not valid YAML: {problem}{at}; fix it, or write JSON") from None
