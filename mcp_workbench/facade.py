"""The public ``Workbench``: the service core plus the outer layers, and the kernel's one instance.

DESIGN's layering puts the chat (and record/replay, the widgets) outside the service, so the
class users get is composed here rather than in ``service.py``.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading

from typing import TYPE_CHECKING, Any

import pandas as pd

from .apps import AppHost, apps_extension
from .chat.api import ChatAPI
from .repro.api import ReproAPI
from .widgets import DashboardAPI
from .core.service import WorkbenchCore

if TYPE_CHECKING:
    from .apps.widget import AppView

logger = logging.getLogger("mcp_workbench")


class Workbench(ReproAPI, DashboardAPI, ChatAPI, WorkbenchCore):
    """Connections to MCP servers, and everything done with them, in one kernel."""

    # apps: delegates ------------------------------------------------------------------------
    # The MCP Apps host is a part (apps.AppHost); results ask ``wb.app_host`` for ``r.app``.
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.app_host = AppHost(self)
        self.client_extensions.append(apps_extension())  # every handshake: "this client renders apps"

    def app(
        self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None,
        allow: list[str] | None = None, **kwargs: Any,
    ) -> AppView:  # fmt: skip
        """Call ``server.tool`` and return its live MCP App (an ``AppView`` widget; display it).

        ``allow``: iframe permissions this app may get when its resource asks for them
        ("camera", "microphone", "geolocation", "clipboard-write"; default ``wb.app_host.allow``,
        empty). A tool without a UI is an ``ArgumentError``; ``r = wb.call(...)`` shows the app
        too when displayed, and ``r.app`` is the same view."""
        return self.app_host.app(target, arguments, timeout=timeout, allow=allow, **kwargs)

    async def aapp(
        self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None,
        allow: list[str] | None = None, **kwargs: Any,
    ) -> AppView:  # fmt: skip
        """Async twin of ``app``."""
        return await self.app_host.aapp(target, arguments, timeout=timeout, allow=allow, **kwargs)

    def apps(self, server: str | None = None) -> pd.DataFrame:
        """Every tool with an MCP App: server, tool, uri, title, csp, permissions, prefers_border."""
        return self.app_host.apps(server)


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
