"""OAuth 2.1 authorization for remote (Streamable HTTP / SSE) servers, from a notebook.

``wb.connect("remote", url=..., auth="oauth")`` signs the user in (authorization code with
PKCE, through the SDK's ``OAuthClientProvider``); ``auth={"type": "client_credentials", ...}``
is for unattended runs. ``transports.py`` asks ``build_auth(spec)`` for the ``httpx2.Auth``
to give the HTTP client; ``Workbench.logout`` calls ``forget_tokens``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx2

from .client import AuthGuardedClient
from .errors import (
    AuthError,
    MetadataNotFoundError,
    RegistrationRefusedError,
    ResourceMismatchError,
    SignInDeniedError,
    SignInTimeoutError,
    StateMismatchError,
    TokenExpiredError,
    TokenRequestRefusedError,
)
from .settings import AuthSettings, parse_auth
from .storage import ServerTokenStorage, backend_for, forget

if TYPE_CHECKING:
    from ..config import ServerSpec

__all__ = [
    "AuthError", "AuthGuardedClient", "AuthSettings", "MetadataNotFoundError", "RegistrationRefusedError", "ResourceMismatchError",
    "SignInDeniedError", "SignInTimeoutError", "StateMismatchError", "TokenExpiredError", "TokenRequestRefusedError",
    "build_auth", "forget_tokens", "parse_auth",
]  # fmt: skip


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
