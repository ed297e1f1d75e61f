"""The SDK's OAuth providers, with what a notebook needs on top.

The protocol (discovery, registration, PKCE, ``resource``, step-up on 403
``insufficient_scope``, client credentials) is the SDK's. Added here:
- after a kernel restart the token's expiry and the authorization server's metadata are
  restored from storage, so an expired token is refreshed at the right token endpoint
  instead of sending the user through the sign-in page again;
- a 401 for a token the client believed valid (revoked or expired early) is answered with a
  refresh first, and only then with a new sign-in;
- scopes the user asked for are kept when the server's challenge replaces the scope;
- a refused refresh token is deleted from storage, and a run that may not ask the user
  (``interactive: False``) fails with a clear error instead of waiting for a page;
- every failure becomes a one-line ``AuthError``; while connecting, one failed sign-in ends
  the attempt (the SDK would otherwise follow a failed ``server/discover`` probe with an
  ``initialize`` that asks the user again), and closing a session never asks for a sign-in;
- a pre-registered client's secret goes the way the server's metadata says it takes it, and a
  2025-03-26-era server (no protected-resource metadata) signs in with the metadata at its own
  origin (``compat``).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
from mcp.client.auth import OAuthClientProvider
from mcp.client.auth.extensions.client_credentials import (
    ClientCredentialsOAuthProvider,
    PrivateKeyJWTOAuthProvider,
    SignedJWTParameters,
)
from mcp.client.auth.utils import union_scopes
from mcp.shared.auth import (
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthMetadata,
    ProtectedResourceMetadata,
)
from mcp.shared.exceptions import MCPDeprecationWarning
from pydantic import AnyHttpUrl, AnyUrl, PrivateAttr

from ...errors import ConfigError
from ..secrets import register_secret
from .compat import SECRET_METHODS, is_legacy_metadata_request, pick_auth_method, rebase
from .errors import AuthError, TokenExpiredError, explain
from .settings import AuthSettings
from .signin import CallbackHandler, RedirectHandler, SignIn
from .storage import ServerTokenStorage


class _FlowErrorsAtDebug(logging.Filter):
    """The SDK logs every failed flow as "OAuth flow error" with a traceback at ERROR, which a
    notebook shows in red next to the one-line error the workbench raises for the same failure;
    keep that traceback for DEBUG logs only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "OAuth flow error" and record.levelno > logging.DEBUG:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


logging.getLogger("mcp.client.auth.oauth2").addFilter(_FlowErrorsAtDebug())


class _ClientMetadata(OAuthClientMetadata):
    """Client metadata whose scope always includes the scopes the user asked for: the SDK
    replaces ``scope`` with the server's challenge on every 401."""

    _wanted: str | None = PrivateAttr(default=None)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "scope" and self._wanted:
            value = union_scopes(value, self._wanted)
        super().__setattr__(name, value)


def _client_metadata(base: OAuthClientMetadata, scopes: tuple[str, ...]) -> _ClientMetadata:
    meta = _ClientMetadata.model_validate(base.model_dump())
    meta._wanted = " ".join(scopes) or None
    meta.scope = base.scope
    return meta


class _WorkbenchFlow:
    """Mixin placed before an SDK provider class in the MRO (see the module doc)."""

    context: Any
    _server: str
    _storage: ServerTokenStorage
    _signin: SignIn | None
    _fixed_client: OAuthClientInformationFull | None
    _refresh_refused: bool
    _authorized: bool  # a request this provider authorized has succeeded: the session is up
    _failed: AuthError | None  # a sign-in that failed while connecting; see _auth_flow
    _pick_method: bool  # a pre-registered secret whose method the user left to the server's metadata
    _usual_method: str | None

    def _setup(
        self, server: str, storage: ServerTokenStorage, settings: AuthSettings, signin: SignIn | None = None,
        fixed_client: OAuthClientInformationFull | None = None,
    ) -> None:  # fmt: skip
        self._server, self._storage, self._signin = server, storage, signin
        self._fixed_client, self._refresh_refused = fixed_client, False
        self._authorized, self._failed = False, None
        pre_registered = fixed_client is not None or settings.mode == "client_credentials"
        self._pick_method = pre_registered and settings.token_endpoint_auth_method is None and bool(settings.client_secret)
        self._usual_method = None
        self.context.client_metadata = _client_metadata(self.context.client_metadata, settings.scopes)

    def _choose_method(self) -> None:
        """Before a token request: the secret method the server's metadata lists (see ``compat``)."""
        info, meta = self.context.client_info, self.context.oauth_metadata
        if not self._pick_method or info is None or meta is None or info.token_endpoint_auth_method not in SECRET_METHODS:
            return
        self._usual_method = self._usual_method or info.token_endpoint_auth_method
        info.token_endpoint_auth_method = pick_auth_method(meta.token_endpoint_auth_methods_supported, self._usual_method)

    async def _exchange_token_authorization_code(self, auth_code: str, code_verifier: str) -> httpx2.Request:
        self._choose_method()
        return await super()._exchange_token_authorization_code(auth_code, code_verifier)  # type: ignore[misc,no-any-return]

    async def _exchange_token_client_credentials(self) -> httpx2.Request:
        self._choose_method()
        return await super()._exchange_token_client_credentials()  # type: ignore[misc,no-any-return]

    async def _refresh_token(self) -> httpx2.Request:
        self._choose_method()
        return await super()._refresh_token()  # type: ignore[misc,no-any-return]

    async def _initialize(self) -> None:
        await super()._initialize()  # type: ignore[misc]
        ctx = self.context
        if self._fixed_client is not None:
            ctx.client_info = self._fixed_client
        ctx.token_expiry_time = self._storage.expires_at()
        meta = self._storage.metadata()
        if ctx.oauth_metadata is None and meta.get("oauth"):
            ctx.oauth_metadata = OAuthMetadata.model_validate(meta["oauth"])
            ctx.auth_server_url = meta.get("auth_server_url")
            if meta.get("resource"):
                ctx.protected_resource_metadata = ProtectedResourceMetadata.model_validate(meta["resource"])

    def _remember_metadata(self) -> None:
        ctx = self.context
        if ctx.oauth_metadata is None:
            return
        prm = ctx.protected_resource_metadata
        self._storage.set_metadata({
            "oauth": ctx.oauth_metadata.model_dump(mode="json", exclude_none=True),
            "resource": prm.model_dump(mode="json", exclude_none=True) if prm is not None else None,
            "auth_server_url": ctx.auth_server_url,
        })  # fmt: skip

    async def _handle_token_response(self, response: httpx2.Response) -> None:
        await super()._handle_token_response(response)  # type: ignore[misc]
        self._refresh_refused = False
        self._remember_metadata()

    async def _handle_refresh_response(self, response: httpx2.Response) -> bool:
        ok: bool = await super()._handle_refresh_response(response)  # type: ignore[misc]
        if ok:
            self._remember_metadata()
        else:
            self._refresh_refused = True
            self._storage.clear_tokens()
        return ok

    async def _perform_authorization_code_grant(self) -> tuple[str, str]:
        signin = self._signin
        if signin is not None and not signin.possible:
            if self._refresh_refused:
                raise TokenExpiredError(
                    f"the access token for {self._server!r} expired and the authorization server refused the refresh "
                    "token; sign in again in an interactive session (this run has auth={'interactive': False})"
                )
            raise AuthError(
                f"{self._server!r} needs a sign-in, but this run may not ask for one (auth={{'interactive': False}}); "
                "sign in once interactively: the tokens are then kept and refreshed"
            )
        try:
            return await super()._perform_authorization_code_grant()  # type: ignore[misc,no-any-return]
        finally:
            if signin is not None:
                await signin.close()

    async def _auth_flow(self, request: httpx2.Request) -> AsyncGenerator[httpx2.Request, httpx2.Response]:
        if request.method == "DELETE":  # ending the session: never send the user to a sign-in page for it
            if self.context.is_token_valid():
                self._add_auth_header(request)  # type: ignore[attr-defined]
            yield request
            return
        if self._failed is not None:
            # While connecting, the SDK follows a failed `server/discover` probe with `initialize`:
            # one refused or abandoned sign-in must not send the user to a second sign-in page.
            raise self._failed
        inner = super()._auth_flow(request)  # type: ignore[misc]
        retried = False
        try:
            outgoing = await inner.__anext__()
            while True:
                response = yield outgoing
                legacy_issuer = None
                if self._legacy_lookup(outgoing):
                    response, legacy_issuer = await rebase(response, self._expected_issuer())  # type: ignore[attr-defined]
                if (
                    outgoing is request and response.status_code == 401 and not retried
                    and "Authorization" in request.headers and self.context.can_refresh_token()
                ):  # fmt: skip
                    retried = True  # the token we believed valid was refused: refresh before a new sign-in
                    refresh_response = yield await self._refresh_token()  # type: ignore[attr-defined]
                    if await self._handle_refresh_response(refresh_response):
                        self._add_auth_header(request)  # type: ignore[attr-defined]
                        response = yield request
                if outgoing is request and response.status_code < 400:
                    self._authorized = True
                outgoing = await inner.asend(response)
                if legacy_issuer is not None and self.context.oauth_metadata is not None:
                    self.context.oauth_metadata.issuer = AnyHttpUrl(legacy_issuer)  # the issuer it named, for RFC 9207
        except StopAsyncIteration:
            return
        except Exception as exc:
            error = explain(exc, self._server, self.context)
            if not self._authorized:
                self._failed = error
            raise error from exc
        finally:
            await inner.aclose()


    def _legacy_lookup(self, request: httpx2.Request) -> bool:
        ctx = self.context
        return (ctx.auth_server_url is None and ctx.protected_resource_metadata is None
                and is_legacy_metadata_request(request, ctx.server_url))  # fmt: skip


class WorkbenchOAuthProvider(_WorkbenchFlow, OAuthClientProvider):
    """Authorization code + PKCE, for a user signing in from a notebook."""


class WorkbenchClientSecretProvider(_WorkbenchFlow, ClientCredentialsOAuthProvider):
    """Client credentials with a client secret (machine to machine)."""


class WorkbenchPrivateKeyProvider(_WorkbenchFlow, PrivateKeyJWTOAuthProvider):
    """Client credentials authenticated by a private-key JWT (RFC 7523)."""


def authorization_code_provider(
    name: str, url: str, settings: AuthSettings, storage: ServerTokenStorage,
    redirect_handler: RedirectHandler | None = None, callback_handler: CallbackHandler | None = None,
) -> WorkbenchOAuthProvider:  # fmt: skip
    """The notebook sign-in provider. A dynamically registered client is bound to its redirect URI,
    so a later sign-in listens on the port it was registered with (bound only when needed)."""
    port = None
    uris = (storage.record.get("client_info") or {}).get("redirect_uris") or []
    if settings.client_id is None and not settings.redirect_uri and not settings.callback_port and uris:
        port = urlsplit(str(uris[0])).port
    signin = SignIn(name, settings, redirect_handler, callback_handler, port=port)
    redirect = AnyUrl(signin.redirect_uri)
    fixed = None
    if settings.client_id:
        method = settings.token_endpoint_auth_method or ("client_secret_post" if settings.client_secret else "none")
        fixed = OAuthClientInformationFull(
            client_id=settings.client_id, client_secret=settings.client_secret, redirect_uris=[redirect],
            token_endpoint_auth_method=method, grant_types=["authorization_code", "refresh_token"],
        )  # fmt: skip
    metadata = OAuthClientMetadata(
        redirect_uris=[redirect], client_name=settings.client_name,
        grant_types=["authorization_code", "refresh_token"], response_types=["code"],
        scope=" ".join(settings.scopes) or None,
    )  # fmt: skip
    provider = WorkbenchOAuthProvider(
        url, metadata, storage, signin.redirect_handler, signin.callback_handler,
        client_metadata_url=settings.client_metadata_url,
    )  # fmt: skip
    provider._setup(name, storage, settings, signin, fixed)
    return provider


def _private_key(value: str) -> tuple[str, str]:
    """PEM text (or a path to it) and the JWT algorithm its key type implies."""
    pem = value if "-----BEGIN" in value else Path(value).expanduser().read_text(encoding="utf-8")
    register_secret(pem)
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"private_key is not an unencrypted PEM private key ({type(exc).__name__})") from None
    if isinstance(key, rsa.RSAPrivateKey):
        return pem, "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return pem, {256: "ES256", 384: "ES384", 521: "ES512"}.get(key.curve.key_size, "ES256")
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return pem, "EdDSA"
    raise ConfigError("private_key must be an RSA, EC or Ed25519 key")


def client_credentials_provider(
    name: str, url: str, settings: AuthSettings, storage: ServerTokenStorage
) -> WorkbenchClientSecretProvider | WorkbenchPrivateKeyProvider:
    """Machine-to-machine: a client secret, or a private-key JWT signed here."""
    scope = " ".join(settings.scopes) or None
    provider: WorkbenchClientSecretProvider | WorkbenchPrivateKeyProvider
    with warnings.catch_warnings():  # no issuer given: the SDK warns; discovery decides, as documented
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        if settings.private_key:
            pem, algorithm = _private_key(settings.private_key)
            client_id = settings.client_id or ""
            jwt = SignedJWTParameters(
                issuer=client_id, subject=client_id, signing_key=pem, signing_algorithm=settings.jwt_algorithm or algorithm
            )
            provider = WorkbenchPrivateKeyProvider(
                url, storage, client_id, jwt.create_assertion_provider(), scope=scope, issuer=settings.issuer
            )
        else:
            method = settings.token_endpoint_auth_method or "client_secret_basic"
            if method not in ("client_secret_basic", "client_secret_post"):
                raise ConfigError(f"server {name!r}: token_endpoint_auth_method must be client_secret_basic or _post")
            provider = WorkbenchClientSecretProvider(
                url, storage, settings.client_id or "", settings.client_secret or "",
                token_endpoint_auth_method=method, scope=scope, issuer=settings.issuer,  # type: ignore[arg-type]
            )  # fmt: skip
    provider._setup(name, storage, settings)
    return provider
