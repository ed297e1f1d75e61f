"""Who is told when the kernel's Workbench is created, without importing what creates it.

``%load_ext mcp_workbench`` must not create the workbench (that imports the MCP SDK and pandas
and starts threads), yet its ``%config`` traits must apply to it however it is created later:
by a ``%mcp`` line or by ``mcp_workbench.workbench()``. The extension registers here; the
facade reports the creation here. Importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_created: Any = None  # the kernel's Workbench, once it exists
_callbacks: list[Callable[[Any], None]] = []


def when_created(callback: Callable[[Any], None]) -> Callable[[], None]:
    """Call ``callback(wb)`` with the kernel's Workbench: now if it exists, else once it is created.

    Returns a function that cancels a callback not yet called.
    """
    if _created is not None:
        callback(_created)
        return lambda: None
    _callbacks.append(callback)
    return lambda: _callbacks.remove(callback) if callback in _callbacks else None


def created(wb: Any) -> None:
    """The facade made the kernel's Workbench: tell everyone waiting (each once)."""
    global _created
    _created = wb
    waiting = list(_callbacks)
    _callbacks.clear()
    for callback in waiting:
        callback(wb)
