"""Signing in to a protected MCP server: discovery, registration, PKCE, resource, state, step-up.

Real servers on loopback (see conftest); the "user" is a headless redirect handler that opens
the sign-in URL with an HTTP client, which follows the authorization server's redirect to the
workbench's own loopback callback server.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from mcp_workbench import Workbench
from mcp_workbench.errors import (
    ConfigError,
    ConnectionFailedError,
    ProtocolError,
    WorkbenchError,
)

from .conftest import Scenario, User


def _redirect_port(user: User) -> int:
    redirect = parse_qs(urlsplit(user.urls[-1]).query)["redirect_uri"][0]
    return urlsplit(redirect).port or 0


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize(
    ("discovery", "tenant"),
    [("header", ""), ("path", ""), ("root", ""), ("header", "/tenant")],
    ids=["www-authenticate", "path-well-known", "root-well-known", "issuer-path-oidc"],
)
def test_discovery_variants_then_dynamic_registration_and_pkce(
    oauth: Callable[..., Scenario], user: User, wb: Workbench, discovery: str, tenant: str
) -> None:
    s = oauth(discovery=discovery, tenant=tenant)
    info = wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)
    assert info.status == "connected" and info.tools == 3
    assert wb.call("remote.add", a=2, b=3).structured == {"result": 5}
    assert [e for e, _ in s.provider.log] == ["register", "authorize", "token"]  # dynamic registration
    [authorize] = s.provider.events("authorize")
    query = parse_qs(urlsplit(user.urls[0]).query)
    assert query["code_challenge_method"] == ["S256"] and authorize["code_challenge"] == query["code_challenge"][0]
    assert authorize["resource"] == s.url and authorize["scopes"] == ["mcp"]  # RFC 8707, scope from the PRM
    assert urlsplit(user.urls[0]).path == f"{tenant}/authorize"
    assert not _listening(_redirect_port(user))  # the loopback callback server was stopped


def test_pre_registered_client_id_and_secret(oauth: Callable[..., Scenario], user: User, wb: Workbench) -> None:
    from mcp.shared.auth import OAuthClientInformationFull

    from tests.servers import free_port

    s = oauth()
    port = free_port()
    s.provider.clients["notebook"] = OAuthClientInformationFull(
        client_id="notebook", client_secret="s3cr3t-notebook", token_endpoint_auth_method="client_secret_post",
        redirect_uris=[f"http://127.0.0.1:{port}/callback"], scope="mcp admin",
        grant_types=["authorization_code", "refresh_token"],
    )  # fmt: skip
    auth = {"client_id": "notebook", "client_secret": "s3cr3t-notebook", "callback_port": port}
    wb.connect("remote", url=s.url, auth=auth, redirect_handler=user)
    assert "register" not in [e for e, _ in s.provider.log]
    assert s.provider.events("authorize")[0]["client_id"] == "notebook"
    assert "s3cr3t-notebook" not in wb.servers().to_string()


def test_pkce_is_verified_by_the_authorization_server(
    oauth: Callable[..., Scenario], user: User, wb: Workbench
) -> None:
    s = oauth()
    s.provider.tamper_challenge = True  # the AS stores a challenge the client's verifier cannot match
    with pytest.raises(ConnectionFailedError, match="refused the token request.*invalid_grant: incorrect code_verifier"):
        wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)


def test_scope_step_up_on_insufficient_scope(oauth: Callable[..., Scenario], user: User, wb: Workbench) -> None:
    s = oauth()
    wb.connect("remote", url=s.url, auth={"scopes": "mcp"}, redirect_handler=user)
    assert wb.call("remote.admin_op").text == "admin done"
    assert 403 in s.gate.statuses
    assert [a["scopes"] for a in s.provider.events("authorize")] == [["mcp"], ["mcp", "admin"]]
    assert len(user.urls) == 2
    wb.call("remote.admin_op")  # the stepped-up token is kept: no third sign-in
    assert len(user.urls) == 2


def test_user_scopes_are_asked_for_on_top_of_the_challenge(
    oauth: Callable[..., Scenario], user: User, wb: Workbench
) -> None:
    s = oauth()
    wb.connect("remote", url=s.url, auth={"scopes": ["admin"]}, redirect_handler=user)
    assert s.provider.events("authorize")[0]["scopes"] == ["mcp", "admin"]
    wb.call("remote.admin_op")
    assert len(user.urls) == 1  # no step-up needed


def test_metadata_naming_another_resource_is_refused(
    oauth: Callable[..., Scenario], user: User, wb: Workbench
) -> None:
    s = oauth(claimed_resource="http://127.0.0.1:9/elsewhere")
    with pytest.raises(ConnectionFailedError, match="refusing to sign in for 'remote'.*another resource"):
        wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)
    assert user.urls == [] and s.provider.log == []


def test_token_for_another_resource_is_rejected_by_the_server(
    oauth: Callable[..., Scenario], user: User, wb: Workbench
) -> None:
    s = oauth()
    wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)
    token = s.gate.tokens[-1] or ""
    s.provider.access[token].resource = "http://127.0.0.1:9/other"  # as if issued for another server
    wb.call("remote.add", a=1, b=1)  # refused (401); the client refreshes, gets its own resource back
    assert 401 in s.gate.statuses
    assert s.provider.events("token")[-1] == {"grant": "refresh_token", "resource": s.url, "scopes": ["mcp"]}


def test_state_mismatch_is_rejected_with_a_clear_error(
    oauth: Callable[..., Scenario], user: User, wb: Workbench
) -> None:
    s = oauth()
    s.provider.forge_state = True
    with pytest.raises(ConnectionFailedError, match="state does not match the request.*nothing was accepted") as err:
        wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)
    assert "forged-state" not in str(err.value) and "\n" not in str(err.value)
    assert s.provider.events("token") == []
    assert not _listening(_redirect_port(user))


def test_closed_page_times_out_and_stops_the_callback_server(
    oauth: Callable[..., Scenario], wb: Workbench
) -> None:
    s = oauth()
    idle = User(follow=False)  # opens nothing: the user closed the page
    with pytest.raises(ConnectionFailedError, match="not completed within 1 s \\(was the page closed\\?\\)"):
        wb.connect("remote", url=s.url, auth={"timeout": 1}, redirect_handler=idle)
    assert not _listening(_redirect_port(idle)) and len(idle.urls) == 1


def test_denied_sign_in(oauth: Callable[..., Scenario], user: User, wb: Workbench) -> None:
    s = oauth()
    s.provider.deny = True
    with pytest.raises(ConnectionFailedError, match="sign-in to .remote. was refused by the authorization server: access_denied"):
        wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)
    assert len(user.urls) == 1  # one refusal, one page: the SDK's fallback handshake does not ask again


def test_a_refused_step_up_fails_that_call_only(oauth: Callable[..., Scenario], user: User, wb: Workbench) -> None:
    s = oauth()
    wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)
    s.provider.deny = True
    with pytest.raises(ProtocolError, match="remote: tool 'admin_op' failed: sign-in to 'remote' was refused"):
        wb.call("remote.admin_op")
    assert wb.call("remote.add", a=1, b=1).structured == {"result": 2}  # the session is still up
    s.provider.deny = False
    assert wb.call("remote.admin_op").text == "admin done"  # asking again is allowed
    assert len(user.urls) == 3


def test_registration_refused(oauth: Callable[..., Scenario], user: User, wb: Workbench) -> None:
    s = oauth()
    s.provider.refuse_registration = True
    with pytest.raises(ConnectionFailedError, match="refused to register this client.*dynamic registration is closed"):
        wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)


def test_no_metadata_found(oauth: Callable[..., Scenario], user: User, wb: Workbench) -> None:
    s = oauth(discovery="none")
    with pytest.raises(ConnectionFailedError, match="no OAuth metadata found for 'remote'"):
        wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)


def test_callback_handler_may_return_the_redirect_url(oauth: Callable[..., Scenario], wb: Workbench) -> None:
    """A fully headless run: no loopback server; the handler hands back where the AS redirected."""
    import urllib.request

    s = oauth()
    landed: list[str] = []

    class NoFollow(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
            landed.append(newurl)

    def go(url: str) -> None:
        try:
            urllib.request.build_opener(NoFollow).open(url, timeout=10)
        except urllib.error.HTTPError as exc:
            assert exc.code == 302

    wb.connect("remote", url=s.url, auth="oauth", redirect_handler=go, callback_handler=lambda: landed[-1])
    assert wb.call("remote.add", a=1, b=2).structured == {"result": 3}


def test_handlers_without_auth_and_stdio_with_auth_are_refused(wb: Workbench) -> None:
    with pytest.raises(WorkbenchError, match="pass auth='oauth' too"):
        wb.connect("x", url="http://127.0.0.1:9/mcp", redirect_handler=print)
    with pytest.raises(ConfigError, match="auth= is for URL servers"):
        wb.connect("x", command="python", auth="oauth")
    with pytest.raises(ConfigError, match="client_credentials needs client_id"):
        wb.connect("x", url="http://127.0.0.1:9/mcp", auth="client_credentials")
