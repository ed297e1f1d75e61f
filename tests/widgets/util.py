"""Helpers for driving dashboard panels like a person would: wait for background work, walk the
widget tree, read what an Output widget shows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets

from tests.servers import wait_until


def settle(panel: Any, timeout: float = 15.0) -> None:
    """Wait until the panel's background work has finished."""
    assert wait_until(lambda: not panel.pending, timeout=timeout), "background work did not finish"


def walk(widget: widgets.Widget) -> Iterator[widgets.Widget]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def shown(out: widgets.Output) -> dict[str, Any]:
    assert out.outputs, "nothing shown"
    return out.outputs[-1]["data"]
