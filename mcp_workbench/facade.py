"""The public ``Workbench``: the service core plus the outer layers, and the kernel's one instance.

DESIGN's layering puts the chat (and record/replay, the widgets) outside the service, so the
class users get is composed here rather than in ``service.py``.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading

from . import _kernel
from .chat.api import ChatAPI
from .repro.api import ReproAPI
from .widgets import DashboardAPI
from .core.service import WorkbenchCore

logger = logging.getLogger("mcp_workbench")


class Workbench(ReproAPI, DashboardAPI, ChatAPI, WorkbenchCore):
    """Connections to MCP servers, and everything done with them, in one kernel."""


_workbench: Workbench | None = None
_workbench_lock = threading.Lock()


def workbench(store: str | os.PathLike[str] | None | bool = None) -> Workbench:
    """The process's (the kernel's) one Workbench: the same object on every call.

    ``store`` picks the persistent catalog the first time (or switches to another one later).
    """
    global _workbench
    if _workbench is None:
        with _workbench_lock:
            if _workbench is None:
                _workbench = Workbench(store=store)
                # A person is at the kernel: servers' sampling / elicitation / roots requests get
                # the notebook's interactive answers unless hooks say otherwise.
                _workbench.interactive_requests = True
                atexit.register(_close_at_exit, _workbench)
                _kernel.created(_workbench)  # perf: a loaded extension applies its %config traits now
                return _workbench
    if store is not None and store != _workbench.store:
        _workbench.set_store(store)
    return _workbench


def _close_at_exit(wb: Workbench) -> None:
    """Interpreter exit / kernel shutdown: end every server process tree."""
    try:
        wb.close()
        if wb.catalog_store is not None:
            wb.catalog_store.close()
    except BaseException as exc:  # exiting: report, never raise
        logger.debug("closing at exit failed: %s", exc)
