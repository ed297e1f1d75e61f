"""One-line sign-in errors, and the translation of the SDK's OAuth exceptions into them.

The SDK raises ``OAuthFlowError`` / ``OAuthRegistrationError`` / ``OAuthTokenError`` with
protocol wording ("State parameter mismatch: a != b"); a notebook user needs to know what
failed and what to do next, and must never see a token in the message.
"""

from __future__ import annotations

import json
from typing import Any

from mcp.client.auth import OAuthFlowError, OAuthRegistrationError, OAuthTokenError

from ...errors import WorkbenchError
from ..secrets import mask_text


class AuthError(WorkbenchError):
    """Signing in to a server (OAuth 2.1) failed."""


class MetadataNotFoundError(AuthError):
    """Neither protected-resource nor authorization-server metadata could be found."""


class RegistrationRefusedError(AuthError):
    """The authorization server refused to register this client."""


class SignInTimeoutError(AuthError):
    """The user did not finish signing in (closed the page, or took too long)."""


class SignInDeniedError(AuthError):
    """The authorization server sent the user back with an error (e.g. access_denied)."""


class StateMismatchError(AuthError):
    """The callback's ``state`` did not match the request: a stale or forged redirect."""


class ResourceMismatchError(AuthError):
    """The server's metadata names another resource than the URL being connected."""


class TokenExpiredError(AuthError):
    """The access token expired and the refresh token was refused; a new sign-in is needed."""


class TokenRequestRefusedError(AuthError):
    """The token endpoint refused a code exchange or a client-credentials request."""


def _oauth_error(body: str) -> str:
    """``error: description`` from an OAuth JSON error body, else the body's first line."""
    try:
        data = json.loads(body)
    except ValueError:
        return body.strip().splitlines()[0][:200] if body.strip() else ""
    if isinstance(data, dict) and "error" in data:
        desc = data.get("error_description")
        return f"{data['error']}: {desc}" if desc else str(data["error"])
    return body.strip()[:200]


def explain(exc: BaseException, server: str, context: Any) -> AuthError:
    """An ``AuthError`` for what went wrong in the SDK's flow (``context``: its OAuthContext)."""
    if isinstance(exc, AuthError):
        return exc
    text = mask_text(str(exc)).strip()
    no_metadata = context.oauth_metadata is None and context.protected_resource_metadata is None
    where = f"for {server!r}"
    if isinstance(exc, OAuthRegistrationError):
        if no_metadata:
            return MetadataNotFoundError(
                f"no OAuth metadata found {where} ({context.server_url}): neither protected-resource metadata "
                "(WWW-Authenticate resource_metadata, /.well-known/oauth-protected-resource) nor authorization-server "
                "metadata (/.well-known/oauth-authorization-server, /.well-known/openid-configuration) answered; "
                "check the URL, or ask the server's operator where its authorization server is"
            )
        detail = _oauth_error(text.split(" ", 3)[-1]) if text.startswith("Registration failed") else text
        return RegistrationRefusedError(
            f"the authorization server refused to register this client {where} ({detail}); ask its operator for a "
            "client ID and pass auth={'client_id': ..., 'client_secret': '${env:VAR}'}"
        )
    if isinstance(exc, OAuthTokenError) or text.startswith("Token exchange failed"):
        if no_metadata:
            return MetadataNotFoundError(
                f"no OAuth metadata found {where} ({context.server_url}), and the token endpoint guessed from its "
                f"origin answered {text.split(':', 1)[0].removeprefix('Token exchange failed').strip()}; check the URL"
            )
        detail = _oauth_error(text.split(": ", 1)[1]) if ": " in text else text
        return TokenRequestRefusedError(f"the authorization server refused the token request {where} ({detail})")
    if isinstance(exc, OAuthFlowError):
        if text.startswith("State parameter mismatch"):
            return StateMismatchError(
                f"sign-in {where} was rejected: the callback's state does not match the request (a stale or forged "
                "redirect); nothing was accepted; connect again and use only the newest sign-in link"
            )
        if text.startswith("Protected resource"):
            return ResourceMismatchError(
                f"refusing to sign in {where}: {text.removeprefix('Protected resource ')} (the server's metadata "
                "names another resource than this URL; a token for it must not be sent here)"
            )
        return AuthError(f"sign-in {where} failed: {text}")
    module = type(exc).__module__ or ""
    if module.startswith(("httpx", "httpcore")):
        return AuthError(f"sign-in {where} failed: could not reach the authorization server ({type(exc).__name__}: {text})")
    return AuthError(f"sign-in {where} failed: {type(exc).__name__}: {text}" if text else f"sign-in {where} failed")
