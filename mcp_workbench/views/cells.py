"""The cells of readable listings: how each kind of listing shows a row to a person.

``VIEWS[kind]`` lists (header, cell) pairs; a cell turns one row (a dict of the DataFrame's
columns) into (plain text, HTML, tooltip). Everything a server wrote is escaped; long texts are
cut to one line with the full text in the tooltip.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pandas as pd

OK, ERROR, WARN, MUTED = "#1a7f37", "#b00020", "#b58100", "#666666"
_STATUS_COLORS = {"ok": OK, "connected": OK, "active": OK, "error": ERROR, "timeout": WARN, "cancelled": WARN,
                  "connecting": WARN, "disconnected": MUTED, "closed": MUTED, "removed": MUTED}  # fmt: skip
_DESCRIPTION = 90  # characters of a one-line description
_CELL = 60


# ---------------------------------------------------------------------- cell formatters
def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, dicts
        return False


def one_line(value: Any, limit: int = _DESCRIPTION) -> str:
    """The first paragraph of a text on one line, cut with an ellipsis."""
    if _missing(value):
        return ""
    text = " ".join(str(value).strip().split("\n\n", 1)[0].split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def ms(value: Any) -> str:
    """Milliseconds rounded to a whole number (``"<1 ms"`` below one); ``"—"`` when unknown."""
    if _missing(value):
        return "—"
    value = float(value)
    return "<1 ms" if 0 < value < 1 else f"{round(value):,} ms"


def _epoch(value: Any) -> float | None:
    if _missing(value):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.timestamp()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    return None


def ago(value: Any, never: str = "never", now: float | None = None) -> str:
    """A time as "just now", "12 s ago", "3 min ago", "5 h ago", "2 days ago", or a date."""
    at = _epoch(value)
    if at is None:
        return never
    seconds = (datetime.now(timezone.utc).timestamp() if now is None else now) - at
    if seconds < 5:
        return "just now"
    for unit, size in (("s", 60), ("min", 60), ("h", 24)):
        if seconds < size:
            return f"{int(seconds)} {unit} ago"
        seconds /= size
    if seconds < 30:
        return f"{int(seconds)} day{'s' if int(seconds) != 1 else ''} ago"
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%d")


def clock(value: Any) -> str:
    """A time of day with milliseconds (traffic), in local time."""
    at = _epoch(value)
    return "" if at is None else datetime.fromtimestamp(at).strftime("%H:%M:%S.%f")[:-3]


def exact(value: Any) -> str:
    """The full timestamp, for a tooltip."""
    at = _epoch(value)
    return "" if at is None else datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def size(value: Any) -> str:
    if _missing(value):
        return ""
    n = float(value)
    for unit in ("B", "kB", "MB"):
        if n < 1000 or unit == "MB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return ""


def compact(value: Any, limit: int = _CELL) -> str:
    """Arguments and payloads as one line of JSON, cut."""
    if _missing(value):
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return one_line(text, limit)


def _names(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else []


# ---------------------------------------------------------------------- cells: (text, html, tooltip)
Cell = tuple[str, str, str]
Column = tuple[str, Callable[[dict[str, Any]], Cell]]


def _plain(text: str, tooltip: str = "") -> Cell:
    return text, html.escape(text), tooltip


def _short(text: str, tooltip: str = "") -> Cell:
    """A figure or a time: kept on one line ("15 ms", not "15" over "ms")."""
    return text, f"<span style='white-space:nowrap'>{html.escape(text)}</span>", tooltip


def _duration(name: str) -> Callable[[dict[str, Any]], Cell]:
    return lambda row: _short(ms(row.get(name)))


def text(value: Any) -> str:
    """A value as a person reads it: nothing for a missing one, 8 (not 8.0) for a whole number."""
    if _missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a pandas column with a gap turns ids and counts into floats
    return str(value)


def _field(name: str, fmt: Callable[[Any], str] = text) -> Callable[..., Cell]:
    return lambda row: _plain(fmt(row.get(name)))


def _described(name: str) -> Callable[[dict[str, Any]], Cell]:
    def cell(row: dict[str, Any]) -> Cell:
        full = "" if _missing(row.get(name)) else str(row.get(name))
        return _plain(one_line(full), full if one_line(full) != " ".join(full.split()) else "")

    return cell


def _address(server: str, name: str) -> Callable[[dict[str, Any]], Cell]:
    def cell(row: dict[str, Any]) -> Cell:
        text = f"{row.get(server)}.{row.get(name)}"
        return text, f"<code>{html.escape(text)}</code>", ""

    return cell


def _parameters(names: str, required: str) -> Callable[[dict[str, Any]], Cell]:
    def cell(row: dict[str, Any]) -> Cell:
        needed = set(_names(row.get(required)))
        params = _names(row.get(names))
        text = ", ".join(p + ("*" if p in needed else "") for p in params)
        marked = ", ".join(
            f"<b>{html.escape(p)}</b><span style='color:{ERROR}' title='required'>*</span>" if p in needed
            else html.escape(p) for p in params
        )  # fmt: skip
        return text, marked, ""

    return cell


def _badge(text: str, color: str) -> str:
    return (f"<span style='border:1px solid {color};color:{color};border-radius:8px;padding:0 6px;"
            f"font-size:smaller;white-space:nowrap'>{html.escape(text)}</span>")  # fmt: skip


def _badges(row: dict[str, Any]) -> Cell:
    shown = [(t, c) for t, c, on in (("read-only", OK, row.get("read_only")), ("destructive", ERROR, row.get("destructive")))
             if on is True]  # fmt: skip
    return " ".join(t for t, _ in shown), " ".join(_badge(t, c) for t, c in shown), ""


def _status(name: str) -> Callable[[dict[str, Any]], Cell]:
    def cell(row: dict[str, Any]) -> Cell:
        status = "" if _missing(row.get(name)) else str(row.get(name))
        color = _STATUS_COLORS.get(status, MUTED)
        return status, f"<span style='color:{color};white-space:nowrap'>● {html.escape(status)}</span>", ""

    return cell


def _when(name: str, never: str = "never") -> Callable[[dict[str, Any]], Cell]:
    return lambda row: _short(ago(row.get(name), never), exact(row.get(name)))


def _error(name: str) -> Callable[[dict[str, Any]], Cell]:
    def cell(row: dict[str, Any]) -> Cell:
        full = "" if _missing(row.get(name)) else str(row.get(name))
        text = one_line(full, _CELL)
        return text, f"<span style='color:{ERROR}'>{html.escape(text)}</span>", full if text != full else ""

    return cell


def _server_info(row: dict[str, Any]) -> Cell:
    parts = [str(row[k]) for k in ("server_name", "server_version") if not _missing(row.get(k))]
    return _plain(" ".join(parts))


def _direction(row: dict[str, Any]) -> Cell:
    out = row.get("direction") == "out"
    return ("→ out" if out else "← in"), ("→ out" if out else "← in"), ""


def _name_or_title(row: dict[str, Any]) -> Cell:
    title, name = row.get("title"), row.get("name")
    return _plain(str(title if not _missing(title) else name if not _missing(name) else ""))


#: What each kind of listing shows, column by column: (header, cell(row) -> (text, html, tooltip)).
VIEWS: dict[str, list[Column]] = {
    "servers": [
        ("status", _status("status")), ("name", _field("name")), ("transport", _field("transport")),
        ("tools", _field("tools")), ("prompts", _field("prompts")), ("resources", _field("resources")),
        ("server", _server_info), ("protocol", _field("protocol_version")),
        ("connected", _when("connected_at", "—")), ("last error", _error("last_error")),
    ],
    "tools": [
        ("tool", _address("server", "name")), ("title", _field("title")), ("description", _described("description")),
        ("parameters", _parameters("params", "required")), ("kind", _badges), ("calls", _field("calls")),
        ("p50", _duration("p50_ms")), ("last used", _when("last_used")),
    ],
    "prompts": [
        ("prompt", _address("server", "name")), ("title", _field("title")), ("description", _described("description")),
        ("arguments", _parameters("arguments", "required")),
    ],
    "resources": [
        ("server", _field("server")), ("uri", _field("uri")), ("name", _name_or_title),
        ("description", _described("description")), ("type", _field("mime_type")), ("size", _field("size", size)),
    ],
    "templates": [
        ("server", _field("server")), ("uri template", _field("uri_template")), ("name", _name_or_title),
        ("description", _described("description")), ("type", _field("mime_type")),
    ],
    "history": [
        ("when", _when("time", "")), ("server", _field("server")), ("kind", _field("kind")), ("name", _field("tool")),
        ("arguments", lambda r: _plain(compact(r.get("arguments")), compact(r.get("arguments"), 2000))),
        ("status", _status("status")), ("took", _duration("duration_ms")), ("error", _error("error")),
    ],
    "traffic": [
        ("time", lambda r: _short(clock(r.get("time")), exact(r.get("time")))), ("server", _field("server")),
        ("direction", _direction), ("kind", _field("kind")), ("method", _field("method")), ("id", _field("id")),
        ("latency", lambda r: _short("" if _missing(r.get("latency_ms")) else ms(r.get("latency_ms")))),
        ("size", _field("size_bytes", size)), ("preview", lambda r: _plain(compact(r.get("preview"), 100))),
    ],
    "catalog": [
        ("server", _field("server")), ("kind", _field("kind")), ("name", _field("name")), ("title", _field("title")),
        ("description", _described("description")), ("status", _status("status")), ("flags", _badges),
        ("calls", _field("calls")), ("p50", _duration("p50_ms")), ("last used", _when("last_used")),
    ],
}
NOUNS = {"servers": "server", "tools": "tool", "prompts": "prompt", "resources": "resource",
          "templates": "template", "history": "call", "traffic": "message", "catalog": "item"}  # fmt: skip
ALL_COLUMNS = {"history": "wb.history(all_columns=True)", "traffic": "wb.traffic(all_columns=True)",
                "templates": "wb.resource_templates(all_columns=True)"}  # fmt: skip
