"""Ignore paths for ``verify``: a small JSONPath subset that removes volatile fields before comparing.

Why not a JSONPath library: verify only needs to *drop* what a path names, and the subset
people write for that is small: ``$..time`` (a key at any depth), ``$.structuredContent.id``,
``$.rows[*].score``, ``$.content[0].text``, ``$['odd key']``, ``$.*``. Paths are rooted at
each compared document (a result, an error, one tool of a listing).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import WorkbenchError

ANY = object()
DROP = object()
Step = tuple[str, Any]  # ("child" | "desc", key | index | ANY)

_TOKEN = re.compile(r"""\.\.(?P<desc>[A-Za-z_$@][\w$@/-]*|\*)?|\.(?P<name>[A-Za-z_$@][\w$@/-]*|\*)|"""
                    r"""\[(?:(?P<index>-?\d+)|(?P<star>\*)|'(?P<sq>[^']*)'|"(?P<dq>[^"]*)")\]""")  # fmt: skip


class PathError(WorkbenchError, ValueError):
    """An ignore path that cannot be read."""


def parse(path: str) -> list[Step]:
    """``$..time`` -> [("desc", "time")]; a malformed path is a one-line ``PathError``."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise PathError(f"ignore path {path!r} must start with $, e.g. '$..time' or '$.structuredContent.id'")
    steps: list[Step] = []
    pos = 1
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if match is None or match.end() == pos:
            raise PathError(f"ignore path {path!r}: cannot read {path[pos:]!r}; write e.g. $..time, $.rows[*].id, $['a b']")
        pos = match.end()
        if match.group(0).startswith(".."):
            desc = match.group("desc")
            if desc is None:  # "$..[0]" / "$..['x']": the bracket that follows says what
                nxt = _TOKEN.match(path, pos)
                if nxt is None or not nxt.group(0).startswith("["):
                    raise PathError(f"ignore path {path!r}: '..' needs a name after it, e.g. $..time")
                pos = nxt.end()
                steps.append(("desc", _bracket(nxt)))
            else:
                steps.append(("desc", ANY if desc == "*" else desc))
        elif match.group("name") is not None:
            steps.append(("child", ANY if match.group("name") == "*" else match.group("name")))
        else:
            steps.append(("child", _bracket(match)))
    if not steps:
        raise PathError(f"ignore path {path!r} names the whole document; name a field, e.g. $..time")
    return steps


def _bracket(match: re.Match[str]) -> Any:
    if match.group("index") is not None:
        return int(match.group("index"))
    if match.group("star") is not None:
        return ANY
    return match.group("sq") if match.group("sq") is not None else match.group("dq")


def without(value: Any, paths: list[list[Step]]) -> Any:
    """A copy of ``value`` with everything the parsed ``paths`` name removed."""
    for steps in paths:
        value = _apply(value, steps)
    return value


def _apply(value: Any, steps: list[Step]) -> Any:
    if not steps:
        return DROP
    kind, key = steps[0]
    if kind == "desc":
        here = _apply(value, [("child", key), *steps[1:]])
        return _children(here, lambda child: _apply(child, steps))
    rest = steps[1:]
    if isinstance(value, dict):
        keys = list(value) if key is ANY else [key] if key in value else []
        out = dict(value)
        for k in keys:
            result = _apply(out[k], rest)
            if result is DROP:
                del out[k]
            else:
                out[k] = result
        return out
    if isinstance(value, list):
        size = len(value)
        if key is ANY:
            indexes = list(range(size))
        elif isinstance(key, int) and not isinstance(key, bool) and -size <= key < size:
            indexes = [key % size]
        else:
            indexes = []
        out, dropped = list(value), set()
        for i in indexes:
            result = _apply(out[i], rest)
            if result is DROP:
                dropped.add(i)
            else:
                out[i] = result
        return [v for i, v in enumerate(out) if i not in dropped]
    return value


def _children(value: Any, apply: Any) -> Any:
    if isinstance(value, dict):
        return {k: apply(v) for k, v in value.items()}
    if isinstance(value, list):
        return [apply(v) for v in value]
    return value
