"""What the store may keep of a server spec, a call or a message: secrets masked first.

Rules (DESIGN.md, "Metadata repository"): every value of an ``env`` or ``headers`` mapping is
masked, values under secret-looking keys are masked, known secrets are masked inside text,
and ``${env:VAR}`` references are kept as written (they are resolved only in memory).
URLs lose their password and secret-looking query parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ...core.secrets import MASK, is_secret_key, mask, mask_mapping_values

_ALL_VALUES_SECRET = {"env", "headers", "environment"}
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
PREVIEW_CHARS = 500


def mask_spec(spec: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of a server spec that is safe to write to disk."""
    if not spec:
        return {}
    return _walk(dict(spec))


def _walk(value: Any, key: str | None = None) -> Any:
    if isinstance(value, Mapping):
        if key is not None and key.lower() in _ALL_VALUES_SECRET:
            masked = mask_mapping_values({str(k): v for k, v in value.items()})
            return dict(masked or {})
        return {str(k): _walk(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return _mask_args([_walk(v) for v in value])
    if isinstance(value, str):
        value = mask(value, key=key)
        return mask_url(value) if isinstance(value, str) else value
    return mask(value, key=key)


def _mask_args(items: list[Any]) -> list[Any]:
    """Command-line secrets: ``--token=X`` and ``--api-key X`` lose their value."""
    out: list[Any] = []
    hide_next = False
    for item in items:
        if isinstance(item, str):
            is_flag = item.startswith("-")
            if hide_next and not is_flag and not item.startswith("${env:"):
                item = MASK
            hide_next = False
            flag, eq, value = item.partition("=")
            if is_flag and is_secret_key(flag.lstrip("-")):
                if not eq:
                    hide_next = True
                elif value and not value.startswith("${env:"):
                    item = f"{flag}={MASK}"
        out.append(item)
    return out


def mask_url(text: str) -> str:
    """Drop a URL's password and mask secret-looking query parameters; other text unchanged."""
    if not _URL.match(text):
        return text
    try:
        parts = urlsplit(text)
        netloc = parts.netloc
        if parts.password:
            user = parts.username or ""
            host = netloc.rsplit("@", 1)[1]
            netloc = f"{user}:{MASK}@{host}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(is_secret_key(k) for k, _ in pairs):
                query = urlencode([(k, MASK if is_secret_key(k) else v) for k, v in pairs], safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return text


def redact_dsn(dsn: str) -> str:
    """A DSN fit for an error message: URL password and ``password=...`` masked."""
    dsn = mask_url(dsn)
    return re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1" + MASK, dsn, flags=re.IGNORECASE)


def mask_value(value: Any) -> Any:
    """Arguments, tool calls and results: secret keys and known secrets masked."""
    return mask(value)


def mask_text(text: str | None, limit: int | None = None) -> str | None:
    """Error text or a result preview: known secrets masked, cut to ``limit`` characters."""
    if text is None:
        return None
    text = mask(str(text))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
