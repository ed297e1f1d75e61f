"""OAuth 2.1 authorization for remote (Streamable HTTP / SSE) servers, from a notebook.

``wb.connect("remote", url=..., auth="oauth")`` signs the user in (authorization code with
PKCE, through the SDK's ``OAuthClientProvider``); ``auth={"type": "client_credentials", ...}``
is for unattended runs. ``transports.py`` asks ``build_auth(spec)`` for the ``httpx2.Auth``
to give the HTTP client; ``Workbench.logout`` calls ``forget_tokens``.

Exports load lazily: ``config`` reads ``auth.settings`` at import, and the SDK's OAuth client
(half a second of imports) should cost nothing until a server actually asks for sign-in.
"""

from __future__ import annotations

from ..._lazy import lazy_exports

_EXPORTS = {
    "build_auth": "api", "forget_tokens": "api", "AuthGuardedClient": "client",
    "AuthSettings": "settings", "parse_auth": "settings",
    "AuthError": "errors", "MetadataNotFoundError": "errors", "RegistrationRefusedError": "errors",
    "ResourceMismatchError": "errors", "SignInDeniedError": "errors", "SignInTimeoutError": "errors",
    "StateMismatchError": "errors", "TokenExpiredError": "errors", "TokenRequestRefusedError": "errors",
}  # fmt: skip
__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, globals(), _EXPORTS)
