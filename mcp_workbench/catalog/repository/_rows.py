"""Records from rows by column name, so that a column is declared in one place.

Each query that builds records names its columns once, in a ``RowReader``; the SELECT list and
the record's fields both come from that tuple, so adding or reordering a column is a one-line
change and no code counts positions (``r[0]``, ``r[3]``...). Catalog items, the 10,000-row
hot path, have their own reader in ``_items`` that follows the same rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class RowReader(Generic[T]):
    """Build a ``build`` (a dataclass, or ``dict``) from a row of ``columns``.

    ``rename`` maps a column to the field it fills (``called_at`` -> ``at``); ``decode`` maps a
    column to the function that turns its stored value into the field's value (JSON text,
    epoch seconds). A NULL stays None without calling the decoder.
    """

    __slots__ = ("_build", "_decoders", "_positional", "columns", "fields", "select")

    def __init__(self, build: Callable[..., T], columns: tuple[str, ...], *,
                 rename: Mapping[str, str] | None = None,
                 decode: Mapping[str, Callable[[Any], Any]] | None = None) -> None:
        rename, decode = dict(rename or {}), dict(decode or {})
        unknown = (set(rename) | set(decode)) - set(columns)
        if unknown:  # a typo in a reader: fail at import, not on the first query
            raise ValueError(f"{', '.join(sorted(unknown))} not among the columns {columns}")
        self.columns = columns
        self.select = ", ".join(columns)  # the column list of the SELECT that feeds this reader
        self.fields = tuple(rename.get(c, c) for c in columns)  # what each column fills, in order
        self._build = build
        self._decoders = tuple((columns.index(c), fn) for c, fn in decode.items())
        self._positional = _positional(build, self.fields)

    def __call__(self, row: Sequence[Any]) -> T:
        if len(row) != len(self.columns):
            raise ValueError(f"a row of {len(row)} values for the {len(self.columns)} columns {self.select}")
        values = list(row)
        for index, decode in self._decoders:
            value = values[index]
            if value is not None:
                values[index] = decode(value)
        if self._positional is not None:
            return self._build(*self._positional(values))
        return self._build(**dict(zip(self.fields, values)))

    def all(self, rows: Sequence[Sequence[Any]]) -> list[T]:
        return [self(r) for r in rows]


def _positional(build: Callable[..., Any], fields: tuple[str, ...]) -> Callable[[list[Any]], Any] | None:
    """For a dataclass whose every ``__init__`` field is a column: a getter that puts the
    values in the dataclass's own order (positional construction is the faster one). Else None."""
    if not dataclasses.is_dataclass(build):
        return None
    order = [f.name for f in dataclasses.fields(build) if f.init]
    extra = set(fields) - set(order)
    if extra:  # a column that fills no field: fail at import, not on the first query
        raise ValueError(f"{', '.join(sorted(extra))} fill no field of {build.__name__}")
    if set(order) != set(fields):
        return None
    indices = [fields.index(name) for name in order]
    if len(indices) == 1:
        return lambda values: (values[indices[0]],)
    return itemgetter(*indices)
