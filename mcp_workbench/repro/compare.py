"""Comparing a recording with what a server says now: JSON documents, and listings item by item.

A listing is compared per item (a tool by name, a resource by URI), because that is what a
server author wants to hear: "tool ``add`` changed its input schema", not "page 1 differs".
Differences are shown as a short unified diff of pretty-printed JSON.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from ..errors import ProtocolError
from .jsonpath import Step, without

# listing method -> (result key holding the items, the field that names an item)
LISTINGS: dict[str, tuple[str, str]] = {
    "tools/list": ("tools", "name"),
    "prompts/list": ("prompts", "name"),
    "resources/list": ("resources", "uri"),
    "resources/templates/list": ("resourceTemplates", "uriTemplate"),
}
_FIELD_NAMES = {"inputSchema": "input schema", "outputSchema": "output schema", "uriTemplate": "URI template",
                "mimeType": "MIME type"}  # fmt: skip
DIFF_LINES = 40
MAX_PAGES = 1000  # a paginator that never ends must not hang a check


@dataclass(frozen=True)
class Verdict:
    """One comparison: ``status`` is same | changed | missing; ``note`` says what, ``diff`` shows it."""

    target: str
    status: str
    note: str = ""
    diff: str = ""


def pretty(value: Any) -> list[str]:
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False, default=str).splitlines()


def json_diff(recorded: Any, live: Any, limit: int = DIFF_LINES) -> str:
    """A unified diff (recorded -> live) of two JSON values, cut to ``limit`` lines."""
    lines = list(difflib.unified_diff(pretty(recorded), pretty(live), "recorded", "live", n=1, lineterm=""))
    if len(lines) > limit:
        lines = [*lines[:limit], f"... ({len(lines) - limit} more lines)"]
    return "\n".join(lines)


def compare(target: str, recorded: Any, live: Any, ignore: list[list[Step]]) -> Verdict:
    """Same, or changed with the fields that differ (top level) and the diff."""
    recorded, live = without(recorded, ignore), without(live, ignore)
    if recorded == live:
        return Verdict(target, "same")
    return Verdict(target, "changed", changed_fields(recorded, live), json_diff(recorded, live))


def changed_fields(recorded: Any, live: Any) -> str:
    """``input schema, description changed`` for two objects; ``result changed`` otherwise."""
    if not (isinstance(recorded, dict) and isinstance(live, dict)):
        return "value changed"
    keys = [k for k in dict.fromkeys([*recorded, *live]) if recorded.get(k, _ABSENT) != live.get(k, _ABSENT)]
    return ", ".join(_FIELD_NAMES.get(k, k) for k in keys) + " changed"


_ABSENT = object()


def listing_items(method: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    """The items of every page of a listing, by their name (URI, template), in order."""
    key, name = LISTINGS[method]
    items: dict[str, Any] = {}
    for result in results:
        for item in result.get(key) or []:
            if isinstance(item, dict):
                items.setdefault(str(item.get(name)), item)
    return items


def fetch_pages(wb: Any, server: str, method: str, *, timeout: float | None = None) -> list[dict[str, Any]]:
    """Every page of a listing as the live server sends it (``wb.request``: raw, unvalidated),
    following ``nextCursor``; a page that fails is a ``ProtocolError`` "<method> failed: ..."."""
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        outcome = wb.request(server, method, {"cursor": cursor} if cursor else None, timeout=timeout)
        if "error" in outcome:
            raise ProtocolError(f"{method} failed: {outcome['error'].get('message')}")
        pages.append(outcome["result"])
        cursor = outcome["result"].get("nextCursor")
        if not cursor:
            break
    return pages


def compare_listing(method: str, recorded: dict[str, Any], live: dict[str, Any], ignore: list[list[Step]]) -> list[Verdict]:
    """One verdict per item: same, changed (what), missing (removed since), or changed ("added")."""
    kind = LISTINGS[method][0].rstrip("s").replace("resourceTemplate", "template")
    verdicts: list[Verdict] = []
    for target in dict.fromkeys([*recorded, *live]):
        if target not in live:
            verdicts.append(Verdict(target, "missing", f"{kind} removed", json_diff(without(recorded[target], ignore), None)))
        elif target not in recorded:
            verdicts.append(Verdict(target, "changed", f"{kind} added", json_diff(None, without(live[target], ignore))))
        else:
            verdicts.append(compare(target, recorded[target], live[target], ignore))
    return verdicts
