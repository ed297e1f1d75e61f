"""Fetching an app's page: the ``ui://`` resource, read through the workbench, checked.

A host renders a ``ui://`` resource only when it is served as ``text/html;profile=mcp-app``;
anything else is refused with a line that says what the server should fix. The resource's
``_meta.ui`` (CSP, permissions, border) is read from the content item, and from the listed
resource when the item carries none (the spec's order).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from ..core.appmeta import APP_MIME_TYPE, ui_meta
from ..errors import WorkbenchError


@dataclass(frozen=True)
class Page:
    """An app's HTML and its ``_meta.ui``."""

    html: str
    ui: dict[str, Any]


async def load_page(wb: Any, server: str, uri: str) -> Page:
    """Read ``uri`` from ``server`` (``wb.aread``: history and cassettes see it) and check it."""
    result = await wb.aread(server, uri)
    contents = [c for c in result.raw.contents if str(c.uri) == uri] or list(result.raw.contents)
    if not contents:
        raise WorkbenchError(f"server {server!r} returned no content for {uri}")
    item = contents[0]
    mime = (item.mime_type or "").replace(" ", "").lower()
    if mime != APP_MIME_TYPE:
        raise WorkbenchError(f"{uri} from {server!r} is served as {item.mime_type or 'no MIME type'}, not "
                             f"{APP_MIME_TYPE}; a host renders only app resources (fix the server's resource)")  # fmt: skip
    text = getattr(item, "text", None)
    if text is None:
        try:
            text = base64.b64decode(getattr(item, "blob", "") or "", validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise WorkbenchError(f"{uri} from {server!r} is not UTF-8 HTML") from None
    return Page(text, ui_meta(item) or ui_meta(listed_resource(wb, server, uri)))


def listed_resource(wb: Any, server: str, uri: str) -> Any:
    """The MCP ``Resource`` ``server`` lists for ``uri`` (its ``_meta.ui`` among others), or None
    when it is not listed (a template's URI, say)."""
    return next((r for r in wb.server(server).resources if str(r.uri) == uri), None)
