"""Result objects: plain attributes for code, a rich ``_repr_mimebundle_`` for notebooks.

Server output is data, never markup: every server-provided string is HTML-escaped before it
is shown, and images are shown only from image content types. Attributes are computed on
first use so the call path itself builds nothing it may never need.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass, field
from functools import cached_property
from collections.abc import Iterator
from typing import Any, Protocol

import mcp_types as types

from .secrets import mask, mask_text

_SAFE_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
_TEXT_PREVIEW = 4000


@dataclass(frozen=True)
class Media:
    """An image or audio clip returned by a server."""

    mime_type: str
    data: bytes

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        if self.mime_type in _SAFE_IMAGE_TYPES:
            return {self.mime_type: base64.b64encode(self.data).decode(), "text/plain": repr(self)}
        tag = self._tag()
        return {"text/html": tag, "text/plain": repr(self)} if tag else {"text/plain": repr(self)}

    def _tag(self) -> str:
        """The clip inline in HTML: ``<img>`` for a safe image type, ``<audio>``; "" otherwise."""
        b64 = base64.b64encode(self.data).decode()
        if self.mime_type in _SAFE_IMAGE_TYPES:
            return f'<img src="data:{self.mime_type};base64,{b64}"/>'
        if self.mime_type.startswith("audio/"):
            return f'<audio controls src="data:{html.escape(self.mime_type)};base64,{b64}"></audio>'
        return ""

    def __repr__(self) -> str:
        return f"<{self.mime_type}, {len(self.data):,} bytes>"


def _decode(b64: str) -> bytes:
    try:
        return base64.b64decode(b64, validate=False)
    except (ValueError, TypeError):
        return b""


def _records_frame(value: Any) -> Any:
    """A DataFrame when structured output is tabular: records, or one list of records inside."""
    import pandas as pd

    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return pd.DataFrame(value)
    if isinstance(value, dict):
        lists = [v for v in value.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
        if len(lists) == 1:
            return pd.DataFrame(lists[0])
        if value and all(not isinstance(v, (dict, list)) for v in value.values()):
            return pd.DataFrame([value])
    return None


def _html_pre(text: str, *, color: str | None = None) -> str:
    text = mask_text(text)
    style = "white-space:pre-wrap;margin:0" + (f";color:{color}" if color else "")
    shown = text if len(text) <= _TEXT_PREVIEW else text[:_TEXT_PREVIEW] + f"\n… ({len(text):,} characters)"
    return f'<pre style="{style}">{html.escape(shown)}</pre>'


class Reader(Protocol):
    """What follows a link: the service's ``read`` / ``aread``."""

    def read(self, server: str, uri: str) -> ResourceResult: ...

    async def aread(self, server: str, uri: str) -> ResourceResult: ...


@dataclass(frozen=True)
class ResourceLink:
    """A ``resource_link`` content block: ``read()`` fetches it from the server that returned it."""

    server: str
    uri: str
    name: str
    title: str | None = None
    mime_type: str | None = None
    size: int | None = None
    description: str | None = None
    block: Any = field(default=None, repr=False, compare=False)
    _reader: Reader | None = field(default=None, repr=False, compare=False)

    def read(self) -> ResourceResult:
        """``resources/read`` of the link's URI on its server."""
        return self._require().read(self.server, self.uri)

    async def aread(self) -> ResourceResult:
        """Async twin of ``read``."""
        return await self._require().aread(self.server, self.uri)

    def _require(self) -> Reader:
        if self._reader is None:
            raise ValueError(f"this link to {self.uri} is not bound to a workbench; use wb.read({self.server!r}, uri)")
        return self._reader


BLOCK_COLUMNS = ["type", "mime_type", "text", "uri", "size", "audience", "priority", "block"]


def block_row(block: Any) -> dict[str, Any]:
    """One content block as a row of ``ToolResult.blocks``."""
    resource = getattr(block, "resource", None)  # an embedded resource carries its own uri / mime / text
    text = getattr(block, "text", None) if resource is None else getattr(resource, "text", None)
    data = getattr(block, "data", None) or getattr(resource, "blob", None)
    ann = getattr(block, "annotations", None)
    size = getattr(block, "size", None)
    if size is None:
        size = len(text) if isinstance(text, str) else (len(_decode(data)) if isinstance(data, str) else None)
    return {
        "type": getattr(block, "type", type(block).__name__), "text": text,
        "mime_type": getattr(block, "mime_type", None) or getattr(resource, "mime_type", None),
        "uri": str(getattr(block, "uri", None) or getattr(resource, "uri", "") or "") or None, "size": size,
        "audience": list(ann.audience) if ann is not None and ann.audience else None,
        "priority": ann.priority if ann is not None else None, "block": block,
    }  # fmt: skip


class ToolResult:
    """What a tool call returned: ``.text``, ``.structured``, ``.df``, ``.images``, ``.links``,
    ``.blocks``, ``.is_error``."""

    def __init__(
        self, raw: types.CallToolResult, *, server: str, tool: str, arguments: dict[str, Any], duration_ms: float,
        app_host: Any = None,
        reader: Reader | None = None,
    ) -> None:  # fmt: skip
        self.raw = raw
        self.server = server
        self.tool = tool
        self.arguments = arguments
        self.duration_ms = duration_ms
        # apps: the workbench's MCP Apps host (set by the outer apps layer), asked for ``.app``.
        self._app_host = app_host
        self._reader = reader

    @property
    def is_error(self) -> bool:
        return bool(self.raw.is_error)

    @property
    def content(self) -> list[Any]:
        return list(self.raw.content)

    @cached_property
    def text(self) -> str:
        """All text content joined by newlines (embedded text resources included)."""
        return "\n".join(self._texts())

    def preview(self, limit: int = 500) -> str | None:
        """``text[:limit]`` (None when empty), without joining every block of a large result."""
        if "text" in self.__dict__:
            return self.text[:limit] or None
        parts, size = [], -1
        for text in self._texts():
            parts.append(text[:limit])
            size += 1 + len(parts[-1])
            if size >= limit:
                break
        return "\n".join(parts)[:limit] or None

    def _texts(self) -> Iterator[str]:
        for block in self.raw.content:
            if isinstance(block, types.TextContent):
                yield block.text
            elif isinstance(block, types.EmbeddedResource) and isinstance(block.resource, types.TextResourceContents):
                yield block.resource.text

    @property
    def structured(self) -> Any:
        return self.raw.structured_content

    @cached_property
    def df(self) -> Any:
        """A DataFrame of tabular structured output, else ``None``."""
        return _records_frame(self.structured) if self.structured is not None else None

    @cached_property
    def images(self) -> list[Media]:
        return [
            Media(b.mime_type, _decode(b.data)) for b in self.raw.content if isinstance(b, types.ImageContent)
        ]

    @cached_property
    def links(self) -> list[ResourceLink]:
        """The ``resource_link`` blocks; ``links[0].read()`` reads one."""
        return [
            ResourceLink(self.server, str(b.uri), b.name, b.title, b.mime_type, b.size, b.description, b, self._reader)
            for b in self.raw.content if isinstance(b, types.ResourceLink)
        ]  # fmt: skip

    @property
    def blocks(self) -> Any:
        """A DataFrame, one row per content block: type, mime_type, text, uri, size, audience,
        priority (from its annotations) and the block itself."""
        import pandas as pd

        return pd.DataFrame([block_row(b) for b in self.raw.content], columns=BLOCK_COLUMNS)

    @cached_property
    def audio(self) -> list[Media]:
        return [Media(b.mime_type, _decode(b.data)) for b in self.raw.content if isinstance(b, types.AudioContent)]

    @cached_property
    def app(self) -> Any:
        """The tool's live MCP App (an ``AppView`` widget), or None when the tool has no UI.
        Made on first use: a call builds nothing it may never show."""
        # apps: the host decides (does the tool have a ui:// resource?) and builds the view.
        return self._app_host.view_for(self) if self._app_host is not None else None

    @property
    def value(self) -> Any:
        """The most useful single value: structured ``result``, else structured, else text."""
        s = self.structured
        if isinstance(s, dict) and set(s) == {"result"}:
            return s["result"]
        return s if s is not None else self.text

    def __repr__(self) -> str:
        status = "error" if self.is_error else "ok"
        head = f"<ToolResult {self.server}.{self.tool} {status} {self.duration_ms:.1f} ms>"
        body = self.text if self.text else (json.dumps(self.structured, default=str) if self.structured else "")
        extra = f" +{len(self.images)} image(s)" if self.images else ""
        extra += f" +{len(self.links)} link(s)" if self.links else ""
        return mask_text(head + (("\n" + body[:_TEXT_PREVIEW]) if body else "") + extra)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        bundle = self.static_bundle()
        app = self.app  # apps: a tool with a UI shows its live app (data, metadata) above the result
        return bundle if app is None else app.mimebundle(bundle)

    def static_bundle(self) -> dict[str, Any]:
        """The result as ``text/plain`` and ``text/html``, without its app."""
        color = "#b00020" if self.is_error else None
        title = "error from" if self.is_error else "result of"
        parts = [
            f'<div style="font-size:smaller;color:#666">{title} <code>{html.escape(self.server)}.'
            f"{html.escape(self.tool)}</code> in {self.duration_ms:.1f} ms</div>"
        ]
        shown = mask(self.structured)  # display only: the attributes keep the data as returned
        frame = _records_frame(shown) if shown is not None else None
        if frame is not None and not self.is_error:
            parts.append(frame.to_html(max_rows=50, escape=True))
        elif self.text:
            parts.append(_html_pre(self.text, color=color))
        elif shown is not None:
            parts.append(_html_pre(json.dumps(shown, indent=2, default=str)))
        if self.links:
            items = "".join(f"<li><code>{html.escape(mask_text(link.uri))}</code> {html.escape(link.title or link.name)}"
                            f"{' (' + html.escape(link.mime_type) + ')' if link.mime_type else ''}</li>"
                            for link in self.links)  # fmt: skip
            parts.append(f'<div style="font-size:smaller">links (<code>r.links[i].read()</code>):<ul>{items}</ul></div>')
        parts.extend(tag for media in self.images + self.audio if (tag := media._tag()))
        # No application/json: JupyterLab ranks it above HTML and would show a JSON tree instead.
        return {"text/plain": repr(self), "text/html": "\n".join(parts)}


class PromptResult:
    """A rendered prompt: ``.messages`` as dicts, ``.text``, ``.df``."""

    def __init__(self, raw: types.GetPromptResult, *, server: str, prompt: str) -> None:
        self.raw = raw
        self.server = server
        self.prompt = prompt

    @property
    def description(self) -> str | None:
        return self.raw.description

    @cached_property
    def messages(self) -> list[dict[str, Any]]:
        out = []
        for m in self.raw.messages:
            content = m.content
            text = getattr(content, "text", None)
            if text is None and isinstance(content, types.EmbeddedResource):
                text = getattr(content.resource, "text", None)
            out.append({"role": m.role, "type": getattr(content, "type", "?"), "text": text})
        return out

    @property
    def text(self) -> str:
        return "\n\n".join(f"{m['role']}: {m['text']}" for m in self.messages if m["text"] is not None)

    @property
    def df(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.messages, columns=["role", "type", "text"])

    def __repr__(self) -> str:
        return mask_text(f"<PromptResult {self.server}.{self.prompt}: {len(self.messages)} message(s)>\n{self.text}")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        rows = "".join(
            f"<div><b>{html.escape(str(m['role']))}</b>{_html_pre(str(m['text'] or ''))}</div>" for m in self.messages
        )
        return {"text/plain": repr(self), "text/html": rows}


class ResourceResult:
    """A read resource: ``.text`` / ``.blob`` / ``.mime_type`` / ``.json`` of its first content."""

    def __init__(self, raw: types.ReadResourceResult, *, server: str, uri: str) -> None:
        self.raw = raw
        self.server = server
        self.uri = uri

    @property
    def contents(self) -> list[Any]:
        return list(self.raw.contents)

    @property
    def mime_type(self) -> str | None:
        return self.raw.contents[0].mime_type if self.raw.contents else None

    @cached_property
    def text(self) -> str:
        return "\n".join(c.text for c in self.raw.contents if isinstance(c, types.TextResourceContents))

    @cached_property
    def blob(self) -> bytes | None:
        for c in self.raw.contents:
            if isinstance(c, types.BlobResourceContents):
                return _decode(c.blob)
        return None

    @cached_property
    def json(self) -> Any:
        """The text parsed as JSON, or ``None`` when it is not JSON."""
        try:
            return json.loads(self.text)
        except (json.JSONDecodeError, ValueError):
            return None

    def __repr__(self) -> str:
        size = f"{len(self.blob):,} bytes" if self.blob is not None else f"{len(self.text):,} chars"
        head = f"<ResourceResult {self.server} {mask_text(self.uri)} {self.mime_type or ''} {size}>"
        return mask_text(head + ("\n" + self.text[:_TEXT_PREVIEW] if self.text else ""))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from .rendering import json_html, markdown_html

        mime = (self.mime_type or "").split(";")[0].strip().lower()
        if self.blob is not None and mime in _SAFE_IMAGE_TYPES:
            body = Media(mime, self.blob)._tag()
        elif mime == "text/markdown" or (not mime and self.uri.lower().endswith(".md")):
            body = markdown_html(self.text)
        elif (mime == "application/json" or mime.endswith("+json")) and self.json is not None:
            body = json_html(self.json, self.text)
        else:
            body = _html_pre(self.text)
        head = f'<div style="font-size:smaller;color:#666">{html.escape(self.server)} {html.escape(mask_text(self.uri))}</div>'
        return {"text/plain": repr(self), "text/html": head + body}
