"""Listings as a person reads them, while code keeps the whole DataFrame.

``wb.tools()`` (and the other listings) return a ``Listing``: a real ``pandas.DataFrame`` with
every documented column (``df["input_schema"]``, ``.iloc``, ``len``, ``==``, pickling all work
as usual), whose display in a cell or a terminal is a readable table instead of the raw columns:
one-line descriptions, parameters with the required ones marked, read-only / destructive
badges, p50 in whole milliseconds, "last used" as a relative time, no JSON schemas. Operations
on it (filters, ``head()``, ``copy()``) give plain DataFrames, which show every column; so do
``listing.df`` and ``all_columns=True``. Nothing needs ``%load_ext``: the display is the
object's own ``_repr_html_`` / ``__repr__``.
"""

from __future__ import annotations

import html
from typing import ClassVar

import pandas as pd

from .cells import ALL_COLUMNS, MUTED, NOUNS, VIEWS, Cell, Column

_WIDEST = 90  # characters of a column in the plain-text table


class Listing(pd.DataFrame):
    """A DataFrame of a listing whose display is readable (see the module docstring).

    ``kind`` names its view in ``VIEWS`` (None: pandas' own display); ``display_limit`` the rows
    shown (None: pandas' ``display.max_rows``). Operations give plain DataFrames.
    """

    _metadata: ClassVar[list[str]] = ["display_limit", "kind"]
    display_limit: int | None
    kind: str | None

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    @property
    def df(self) -> pd.DataFrame:
        """Every column, as a plain DataFrame (its display shows them all)."""
        return pd.DataFrame(self)

    def _limit(self) -> int:
        """Rows to show: ``display_limit`` (0: all), else pandas' ``display.max_rows`` (None: all)."""
        limit = getattr(self, "display_limit", None)
        if limit is None:
            limit = pd.get_option("display.max_rows")
        return max(1, limit or len(self))

    def _view(self) -> list[Column] | None:
        return VIEWS.get(getattr(self, "kind", None) or "")

    def _rows(self) -> list[list[Cell]]:
        view = self._view()
        assert view is not None
        records = pd.DataFrame(self).head(self._limit()).to_dict("records")
        return [[cell(row) for _, cell in view] for row in records]

    def _footer(self, shown: int) -> str:
        noun = NOUNS.get(str(self.kind), "row")
        total = f"{len(self):,} {noun}{'' if len(self) == 1 else 's'}"
        more = f", showing the first {shown:,}" if shown < len(self) else ""
        call = ALL_COLUMNS.get(str(self.kind), f"wb.{self.kind}(all_columns=True)")
        return f"{total}{more} · every column: .df or {call}"

    def _repr_html_(self) -> str | None:
        view = self._view()
        if view is None:
            with pd.option_context("display.max_rows", self._limit(), "display.min_rows", self._limit()):
                return super()._repr_html_()
        rows = self._rows()
        head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h, _ in view)
        body = "".join("<tr>" + "".join(_td(markup, tip) for _, markup, tip in row) + "</tr>" for row in rows)
        legend = " · <b>name</b>* required" if self.kind in ("tools", "prompts") else ""
        footer = f"<div style='color:{MUTED};font-size:smaller'>{html.escape(self._footer(len(rows)))}{legend}</div>"
        return (f"<div class='mcp-listing mcp-listing-{self.kind}'><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>{footer}</div>")  # fmt: skip

    def __repr__(self) -> str:
        view = self._view()
        if view is None:
            with pd.option_context("display.max_rows", self._limit(), "display.min_rows", self._limit()):
                return super().__repr__()
        rows = self._rows()
        if not rows:
            return self._footer(0)
        lines = [[h for h, _ in view]] + [[_cut(text) for text, _, _ in row] for row in rows]
        widths = [max(len(line[i]) for line in lines) for i in range(len(view))]
        text = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines]
        return "\n".join(text) + "\n" + self._footer(len(rows))

    __str__ = __repr__


def _cut(text: str) -> str:
    return text if len(text) <= _WIDEST else text[: _WIDEST - 1] + "…"


def _td(markup: str, tooltip: str) -> str:
    title = f' title="{html.escape(tooltip, quote=True)}"' if tooltip else ""
    return f"<td style='text-align:left;vertical-align:top'{title}>{markup}</td>"


def readable(frame: pd.DataFrame, kind: str | None, limit: int | None = None) -> Listing:
    """``frame`` as a ``Listing`` of ``kind`` (a key of ``VIEWS``, or None for pandas' display)."""
    out = Listing(frame)
    out.kind = kind
    out.display_limit = limit
    return out


def listing(frame: pd.DataFrame, limit: int | None) -> Listing:
    """``frame`` shown to at most ``limit`` rows (0: all; None: pandas' default), keeping its view."""
    return readable(frame, frame.kind if isinstance(frame, Listing) else None, limit)
