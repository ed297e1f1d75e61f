"""A real OAuth 2.1 authorization server for tests, built from the SDK's server-side pieces.

``MemoryProvider`` implements ``OAuthAuthorizationServerProvider`` in memory and auto-approves
(the "user" consents at once); switches make it misbehave on purpose (forge the state, refuse
registration, deny, tamper with the PKCE challenge). Every request it sees is appended to
``log`` so tests can check what the client sent. The SDK's token endpoint has no
client-credentials grant, so ``ClientCredentialsGate`` answers that grant in front of it
(client secret, or a private-key JWT verified with the client's public key).
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl, unquote

import jwt
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    RefreshToken,
    RegistrationError,
    construct_redirect_uri,
)
from mcp.server.auth.routes import build_metadata, create_auth_routes
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyHttpUrl, ConfigDict, TypeAdapter
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from .asgi import read_body, replay

SCOPES = ["mcp", "admin"]
_URL = TypeAdapter(AnyHttpUrl, config=ConfigDict(url_preserve_empty_path=True))  # keep "http://h:p" as is


class MemoryProvider:
    """In-memory clients, codes and tokens; ``log`` records (event, details) pairs."""

    def __init__(self, issuer: str, *, access_ttl: int = 3600, token_prefix: str = "") -> None:
        self.issuer = issuer
        self.access_ttl = access_ttl
        self.token_prefix = token_prefix
        self.clients: dict[str, OAuthClientInformationFull] = {}
        self.machine_clients: dict[str, dict[str, str]] = {}  # client_id -> {"secret"| "public_key"}
        self.codes: dict[str, AuthorizationCode] = {}
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.log: list[tuple[str, dict[str, Any]]] = []
        self.refuse_registration = False
        self.forge_state = False
        self.deny = False
        self.tamper_challenge = False

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [details for event, details in self.log if event == kind]

    # ---------------------------------------------------------------- the SDK's provider protocol
    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        return self.clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        self.log.append(("register", {"client_id": client_info.client_id, "scope": client_info.scope}))
        if self.refuse_registration:
            raise RegistrationError("invalid_client_metadata", "dynamic registration is closed on this server")
        # Policy of this server: a registered client may later ask for any scope it offers.
        self.clients[client_info.client_id] = client_info.model_copy(update={"scope": " ".join(SCOPES)})

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        self.log.append(("authorize", {"client_id": client.client_id, "scopes": params.scopes,
                                       "resource": params.resource, "code_challenge": params.code_challenge}))  # fmt: skip
        if self.deny:
            raise AuthorizeError("access_denied", "the user declined")
        code = secrets.token_urlsafe(32)
        challenge = "x" * 43 if self.tamper_challenge else params.code_challenge
        self.codes[code] = AuthorizationCode(
            code=code, scopes=params.scopes or [], expires_at=time.time() + 300, client_id=client.client_id,
            code_challenge=challenge, redirect_uri=params.redirect_uri,
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly, resource=params.resource,
        )  # fmt: skip
        state = "forged-state" if self.forge_state else params.state
        return construct_redirect_uri(str(params.redirect_uri), code=code, state=state)

    async def load_authorization_code(self, client: OAuthClientInformationFull, code: str) -> AuthorizationCode | None:
        found = self.codes.get(code)
        return found if found is not None and found.client_id == client.client_id else None

    async def exchange_authorization_code(self, client: OAuthClientInformationFull, code: AuthorizationCode) -> OAuthToken:
        self.codes.pop(code.code, None)
        self.log.append(("token", {"grant": "authorization_code", "resource": code.resource, "scopes": code.scopes}))
        return self.issue(client.client_id, code.scopes, code.resource)

    async def load_refresh_token(self, client: OAuthClientInformationFull, token: str) -> RefreshToken | None:
        found = self.refresh.get(token)
        return found if found is not None and found.client_id == client.client_id else None

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        self.refresh.pop(refresh_token.token, None)  # rotate
        self.log.append(("token", {"grant": "refresh_token", "resource": refresh_token.resource, "scopes": scopes}))
        return self.issue(client.client_id, scopes, refresh_token.resource)

    async def load_access_token(self, token: str) -> AccessToken | None:
        return self.access.get(token)

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        self.access.pop(token.token, None)
        self.refresh.pop(token.token, None)

    # ---------------------------------------------------------------- helpers for tests
    def issue(self, client_id: str, scopes: list[str], resource: str | None, refresh: bool = True) -> OAuthToken:
        access = f"{self.token_prefix}at-{secrets.token_hex(16)}"
        self.access[access] = AccessToken(token=access, client_id=client_id, scopes=scopes,
                                          expires_at=int(time.time()) + self.access_ttl, resource=resource)  # fmt: skip
        refresh_token = None
        if refresh:
            refresh_token = f"{self.token_prefix}rt-{secrets.token_hex(16)}"
            self.refresh[refresh_token] = RefreshToken(token=refresh_token, client_id=client_id, scopes=scopes,
                                                       resource=resource)  # fmt: skip
        return OAuthToken(access_token=access, token_type="Bearer", expires_in=self.access_ttl,
                          scope=" ".join(scopes), refresh_token=refresh_token)  # fmt: skip

    def expire_access_tokens(self) -> None:
        for token in self.access.values():
            token.expires_at = int(time.time()) - 10

    def revoke_refresh_tokens(self) -> None:
        self.refresh.clear()


class ClientCredentialsGate:
    """Answers ``grant_type=client_credentials`` at the token endpoint; passes the rest on."""

    def __init__(self, app: Any, provider: MemoryProvider, token_path: str) -> None:
        self.app, self.provider, self.token_path = app, provider, token_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.token_path:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        form = dict(parse_qsl(body.decode()))
        if form.get("grant_type") != "client_credentials":
            await self.app(scope, replay(body, receive), send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        response = self.grant(form, headers.get("authorization", ""))
        await response(scope, receive, send)

    def grant(self, form: dict[str, str], authorization: str) -> JSONResponse:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
            client_id, secret = unquote(client_id), unquote(secret)
        assertion = form.get("client_assertion")
        if assertion:
            client_id = jwt.decode(assertion, options={"verify_signature": False}).get("sub")
        client = self.provider.machine_clients.get(client_id or "")
        ok = False
        if client and assertion and "public_key" in client:
            try:
                claims = jwt.decode(assertion, client["public_key"], algorithms=["RS256", "ES256"], audience=self.provider.issuer)
                ok = claims.get("iss") == client_id
            except jwt.PyJWTError:
                ok = False
        elif client and secret is not None and "secret" in client:
            ok = secrets.compare_digest(secret, client["secret"])
        if not ok:
            return JSONResponse({"error": "invalid_client", "error_description": "bad client credentials"}, 401)
        scopes = (form.get("scope") or "mcp").split()
        self.provider.log.append(("token", {"grant": "client_credentials", "resource": form.get("resource"),
                                            "scopes": scopes, "jwt": bool(assertion)}))  # fmt: skip
        token = self.provider.issue(client_id or "", scopes, form.get("resource"), refresh=False)
        return JSONResponse(token.model_dump(exclude_none=True), headers={"Cache-Control": "no-store"})


def auth_server_app(provider: MemoryProvider, *, tenant: str = "", auth_methods: list[str] | None = None) -> Any:
    """The AS: registration, authorize, token, revoke. With ``tenant`` the issuer has a path and
    its metadata is only at ``{tenant}/.well-known/openid-configuration`` (the last fallback).
    ``auth_methods``: what its metadata lists as ``token_endpoint_auth_methods_supported``."""
    issuer = _URL.validate_python(provider.issuer)
    options = ClientRegistrationOptions(enabled=True, valid_scopes=SCOPES, default_scopes=["mcp"])
    routes = create_auth_routes(provider, issuer, client_registration_options=options,
                                revocation_options=RevocationOptions(enabled=True))  # fmt: skip
    if auth_methods is not None:
        metadata = build_metadata(issuer, None, options, RevocationOptions(enabled=True))
        body = {**metadata.model_dump(mode="json", exclude_none=True), "token_endpoint_auth_methods_supported": auth_methods}
        listed = Route("/.well-known/oauth-authorization-server", lambda request: JSONResponse(body))
        routes = [listed, *(r for r in routes if not r.path.startswith("/.well-known"))]  # type: ignore[attr-defined]
    if tenant:
        metadata = build_metadata(issuer, None, options, RevocationOptions(enabled=True))
        body = metadata.model_dump(mode="json", exclude_none=True)
        oidc = Route(f"{tenant}/.well-known/openid-configuration", lambda request: JSONResponse(body))
        inner = [r for r in routes if not r.path.startswith("/.well-known")]  # type: ignore[attr-defined]
        app = Starlette(routes=[oidc, Mount(tenant, routes=inner)])
    else:
        app = Starlette(routes=routes)
    return ClientCredentialsGate(app, provider, f"{tenant}/token")
