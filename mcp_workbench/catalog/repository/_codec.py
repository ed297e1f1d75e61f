"""Value codecs shared by every backend: JSON, timestamps, cursors, keywords, latency.

Both backends store JSON as canonical text and times as epoch seconds, so one set of SQL and
one set of conversions serves SQLite and PostgreSQL alike, and schema comparisons are plain
string comparisons.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from ...errors import WorkbenchError

LATENCY_WINDOW = 200  # durations kept per item for p50 / p95


def dumps(value: Any) -> str:
    """Canonical JSON: equal values give equal text, so a schema change is a text change."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def dumps_or_none(value: Any) -> str | None:
    return None if value is None else dumps(value)


class LazyField:
    """A dataclass field decoded on first access from a raw value stored beside it.

    Why: a 10,000-row listing must not parse 30,000 JSON schemas or build 30,000 datetimes
    that a DataFrame never shows. Records built from rows put the raw column value in
    ``__dict__["_<name>_raw"]``; a value given to ``__init__`` is stored decoded as usual.
    ``empty`` (a factory) is returned, fresh, when the value is None.
    """

    def __init__(self, decode: Callable[[Any], Any], empty: Callable[[], Any] | None = None) -> None:
        self._decode = decode
        self._empty = empty
        self._attr = self._raw = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._attr, self._raw = "_" + name, "_" + name + "_raw"

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        d = obj.__dict__
        try:
            value = d[self._attr]
        except KeyError:
            raw = d.get(self._raw)
            value = d[self._attr] = None if raw is None else self._decode(raw)
        if value is None and self._empty is not None:
            return self._empty()
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self._attr] = None if isinstance(value, LazyField) else value


def now() -> float:
    return datetime.now(UTC).timestamp()


def to_datetime(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def to_timestamp(value: datetime | float | int | None) -> float | None:
    """Epoch seconds from a datetime (naive means UTC) or a number."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    return float(value)


def encode_cursor(last_key: str) -> str:
    """An opaque cursor holding the last sort key of a page (keyset pagination)."""
    raw = json.dumps(["k1", last_key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, key = json.loads(raw)
        if tag != "k1" or not isinstance(key, str):
            raise ValueError(tag)
        return key
    except (binascii.Error, ValueError, TypeError) as exc:
        raise WorkbenchError(
            f"invalid cursor {cursor!r}: pass the next_cursor of a previous page, or None"
        ) from exc


def check_limit(limit: int, maximum: int = 10_000) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= maximum:
        raise WorkbenchError(f"limit must be an integer from 1 to {maximum}, got {limit!r}")
    return limit


def search_text(*parts: str | None) -> str:
    """The lowered text that keyword search matches against (one column, no per-row work)."""
    return "\n".join(p for p in parts if p).casefold()


def keyword_patterns(query: str | None) -> list[str]:
    """One ``LIKE`` pattern per word (all must match), with LIKE wildcards escaped."""
    if not query:
        return []
    out = []
    for word in query.casefold().split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        out.append(f"%{escaped}%")
    return out


def latency_stats(window: Sequence[float]) -> tuple[int, float | None, float | None, float | None]:
    """(count, mean, p50, p95) of a window of durations; percentiles interpolate linearly."""
    if not window:
        return 0, None, None, None
    ordered = sorted(window)
    n = len(ordered)
    return n, sum(ordered) / n, _percentile(ordered, 0.50), _percentile(ordered, 0.95)


def _percentile(ordered: Sequence[float], q: float) -> float:
    pos = (len(ordered) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
