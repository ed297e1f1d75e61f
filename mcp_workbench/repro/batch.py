"""Tools over DataFrames: one call per row, run concurrently on the engine loop.

Why on the engine loop: the connections live there, so a thousand rows are a thousand tasks
sharing one session (bounded by a semaphore), not a thousand cross-thread hops. No row is ever
lost: a row whose call raised or returned ``isError`` after its retries is a row with its error.
"""

from __future__ import annotations

import asyncio
import difflib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import ArgumentError, WorkbenchError
from ..core.secrets import mask_text

if TYPE_CHECKING:
    from ..facade import Workbench

RESULT_COLUMNS = ["text", "is_error", "error", "attempts", "duration_ms"]
OnDone = Callable[[float, float | None, str | None], Any]


@dataclass
class Outcome:
    """What one row's call came to, after its retries."""

    text: str | None = None
    structured: Any = None
    is_error: bool = False
    error: str | None = None
    attempts: int = 0
    duration_ms: float = 0.0


class RateLimit:
    """At most ``per_second`` call starts per second, spaced evenly (retries count too)."""

    def __init__(self, per_second: float | None) -> None:
        if per_second is not None and not per_second > 0:
            raise ArgumentError(f"rate_limit must be a positive number of calls per second, got {per_second!r}")
        self.interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0

    async def wait(self) -> None:
        if not self.interval:
            return
        now = asyncio.get_running_loop().time()
        start = max(now, self._next)
        self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


@dataclass(frozen=True)
class ArgumentPlan:
    """Where each row's arguments come from: parameter -> column, and constants. Small and plain,
    so it travels to Dask workers instead of the rows' arguments."""

    from_columns: dict[str, str]
    constants: dict[str, Any]

    def rows(self, frame: pd.DataFrame) -> list[dict[str, Any]]:
        """Each row's arguments; a missing value (NaN, None) leaves the argument out (the tool's default)."""
        used = list(dict.fromkeys(self.from_columns.values()))
        records = frame[used].to_dict("records") if used else [{}] * len(frame)
        rows = []
        for record in records:
            args = dict(self.constants)
            for param, column in self.from_columns.items():
                value = _native(record[column])
                if value is not None:
                    args[param] = value
            rows.append(args)
        return rows


def argument_plan(
    schema: dict[str, Any], target: str, columns: Sequence[Any], mapping: dict[str, Any],
    constants: dict[str, Any] | None = None,
) -> ArgumentPlan:  # fmt: skip
    """``mapping`` is param -> column name (a string) or a constant (anything else); ``constants``
    are constants of any type; a tool parameter (of ``schema``) named in neither but named like a
    column takes that column. A string naming no column is an error with suggestions."""
    names = [str(c) for c in columns]
    for param, source in mapping.items():
        if isinstance(source, str) and source not in columns:
            close = difflib.get_close_matches(source, names, n=2)
            hint = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
            raise ArgumentError(
                f"{target}: {param}={source!r} names no column of the data; {hint}columns: {', '.join(names)} "
                "(a constant string goes in constants={...})"
            )
    given = {**mapping, **(constants or {})}
    implicit = {p: p for p in (schema.get("properties") or {}) if p not in given and p in columns}
    from_columns = {**implicit, **{p: s for p, s in mapping.items() if isinstance(s, str)}}
    fixed = {**{p: s for p, s in mapping.items() if not isinstance(s, str)}, **(constants or {})}
    return ArgumentPlan(from_columns, fixed)


def row_arguments(
    wb: Workbench, target: str, frame: pd.DataFrame, mapping: dict[str, Any], constants: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Each row's arguments (see ``argument_plan``), for the tool's schema as the server gives it."""
    schema = getattr(wb.tool(target), "input_schema", None) or {}
    return argument_plan(schema, target, list(frame.columns), mapping, constants).rows(frame)


def _native(value: Any) -> Any:
    """NumPy scalars to Python ones (JSON needs them); a missing value to None."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:  # most cells: no pandas call
        return value
    if kind is float:
        return None if value != value else value  # NaN
    if isinstance(value, (list, dict, tuple)):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    return value.item() if hasattr(value, "item") else value


async def run_rows(
    wb: Workbench, target: str, rows: Sequence[dict[str, Any]], *, concurrency: int = 16,
    rate_limit: float | None = None, retries: int = 0, retry_delay: float = 0.1, timeout: float | None = None,
    on_done: OnDone | None = None,
) -> list[Outcome]:  # fmt: skip
    """Call ``target`` once per row, at most ``concurrency`` at a time; runs on the engine loop."""
    if not isinstance(concurrency, int) or concurrency < 1:
        raise ArgumentError(f"concurrency must be a whole number >= 1, got {concurrency!r}")
    if not isinstance(retries, int) or retries < 0:
        raise ArgumentError(f"retries must be a whole number >= 0, got {retries!r}")
    limit, gate = RateLimit(rate_limit), asyncio.Semaphore(concurrency)
    outcomes = [Outcome() for _ in rows]
    finished = {"done": 0, "errors": 0}

    async def one(index: int, args: dict[str, Any]) -> None:
        out = outcomes[index]
        async with gate:
            t0 = time.perf_counter()
            while True:
                out.attempts += 1
                if limit.interval:
                    await limit.wait()
                try:
                    result = await wb.acall(target, args, timeout=timeout)  # the call copies its arguments
                    out.text, out.structured, out.is_error = result.text, result.structured, result.is_error
                    out.error = mask_text(result.text)[:500] if result.is_error else None
                except ArgumentError as exc:  # the same arguments would fail the same way: no retry
                    out.text, out.is_error, out.error = None, True, str(exc)
                    break
                except Exception as exc:  # noqa: BLE001 - a failed row keeps its error, the map goes on
                    out.text, out.is_error = None, True
                    out.error = mask_text(str(exc)) or type(exc).__name__
                if not out.is_error or out.attempts > retries:
                    break
                await asyncio.sleep(retry_delay * 2 ** (out.attempts - 1))
            out.duration_ms = (time.perf_counter() - t0) * 1000
        finished["done"] += 1
        finished["errors"] += out.is_error
        if on_done is not None:
            on_done(finished["done"], len(outcomes), f"{finished['errors']} failed" if finished["errors"] else None)

    await asyncio.gather(*(one(i, args) for i, args in enumerate(rows)))
    return outcomes


def outcomes_frame(outcomes: Sequence[Outcome], index: pd.Index) -> pd.DataFrame:
    """One row per input row (same index): text, structured fields as columns, is_error, error,
    attempts, duration_ms. Nested fields are joined with dots; a name taken by a fixed column, or
    a structured value that is not an object, goes under ``structured``."""
    rows = []
    for out in outcomes:
        fields = _flatten(out.structured) if isinstance(out.structured, dict) else (
            {"structured": out.structured} if out.structured is not None else {}
        )  # fmt: skip
        fields = {(f"structured.{k}" if k in RESULT_COLUMNS else k): v for k, v in fields.items()}
        rows.append({"text": out.text, **fields, "is_error": out.is_error, "error": out.error,
                     "attempts": out.attempts, "duration_ms": out.duration_ms})  # fmt: skip
    extra = list(dict.fromkeys(k for row in rows for k in row if k not in RESULT_COLUMNS))
    frame = pd.DataFrame(rows, columns=["text", *extra, *RESULT_COLUMNS[1:]], index=index)
    for column in ("text", "error"):  # keep None (not NaN) for "no text" / "no error"
        frame[column] = pd.Series([row[column] for row in rows], index=index, dtype=object)
    return frame


def _flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict) and item:
            flat.update(_flatten(item, f"{name}."))
        else:
            flat[name] = item
    return flat


def as_frame(data: Any) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, (list, tuple)) and all(isinstance(r, dict) for r in data):
        return pd.DataFrame(list(data))
    raise WorkbenchError(f"map() takes a DataFrame (or a list of dicts), got {type(data).__name__}")
