"""``build_auth`` and ``forget_tokens``: what the transports and ``Workbench.logout`` call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx2

from .settings import AuthSettings, parse_auth
from .storage import ServerTokenStorage, backend_for, forget

if TYPE_CHECKING:
    from ..config import ServerSpec


def build_auth(spec: ServerSpec) -> httpx2.Auth | None:
    """The ``httpx2.Auth`` for a *resolved* spec, or None when it asks for no authorization.

    A new provider per connection attempt: it loads what storage holds, so a reconnect or a
    new kernel reuses (and refreshes) the tokens of the last sign-in.
    """
    settings = parse_auth(spec.auth, where=f"server {spec.name!r}")
    if settings is None:
        return None
    from .provider import authorization_code_provider, client_credentials_provider

    url = spec.url or ""
    storage = ServerTokenStorage(backend_for(settings.store), url, settings.account, settings.client_id)
    if settings.mode == "client_credentials":
        return client_credentials_provider(spec.name, url, settings, storage)
    handlers: dict[str, Any] = spec.extra
    return authorization_code_provider(
        spec.name, url, settings, storage, handlers.get("redirect_handler"), handlers.get("callback_handler")
    )


def forget_tokens(spec: ServerSpec) -> bool:
    """Delete the stored tokens and registration for the spec's server and account."""
    settings = parse_auth(spec.auth, where=f"server {spec.name!r}") or AuthSettings()
    return forget(spec.url or "", settings.account, settings.store, settings.client_id)
