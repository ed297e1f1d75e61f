"""The MCP Apps host: a tool's interactive UI (its ``ui://`` resource), live in the notebook.

``AppHost`` (``host``) is the workbench's part: which tools have apps, ``wb.app(...)``,
``wb.apps()``, ``r.app``. ``AppView`` (``widget``) is the anywidget a cell, the dashboard or a
chat turn shows; its front end (``static/app.js``) only relays JSON-RPC between the sandboxed
iframe and the kernel, where ``Bridge`` (``bridge``) decides what the app may do. ``sandbox``
builds the CSP and permissions, ``page`` fetches the page, ``protocol`` checks the messages,
``chatlink`` connects an app to its chat. The widget stack loads only when a view is made.
"""

from __future__ import annotations

from .host import APPS_COLUMNS, AppHost

__all__ = ["APPS_COLUMNS", "AppHost"]
