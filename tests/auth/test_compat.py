"""Sign-in corner cases a strict client meets: how a pre-registered client's secret is sent,
and a 2025-03-26-era server (no protected-resource metadata; the authorization server's
metadata at the MCP server's own origin). Real servers on loopback (see conftest).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
import pytest
from mcp.shared.auth import OAuthClientInformationFull

from mcp_workbench import Workbench
from mcp_workbench.core.auth.compat import is_legacy_metadata_request, pick_auth_method, rebase
from mcp_workbench.errors import ConnectionFailedError
from tests.servers import free_port

from .conftest import Scenario, User


def _pre_register(s: Scenario, method: str) -> dict[str, object]:
    port = free_port()
    s.provider.clients["notebook"] = OAuthClientInformationFull(
        client_id="notebook", client_secret="s3cr3t-notebook", token_endpoint_auth_method=method,
        redirect_uris=[f"http://127.0.0.1:{port}/callback"], scope="mcp admin",
        grant_types=["authorization_code", "refresh_token"],
    )  # fmt: skip
    return {"client_id": "notebook", "client_secret": "s3cr3t-notebook", "callback_port": port}


def test_the_method_comes_from_the_metadata_unless_the_user_set_it() -> None:
    assert pick_auth_method(["client_secret_basic"], "client_secret_post") == "client_secret_basic"
    assert pick_auth_method(["client_secret_post", "client_secret_basic"], "client_secret_post") == "client_secret_post"
    assert pick_auth_method(None, "client_secret_post") == "client_secret_basic"  # RFC 8414: absent means basic
    assert pick_auth_method(["private_key_jwt"], "client_secret_post") == "client_secret_post"


def test_secret_goes_by_http_basic_when_the_server_lists_only_basic(
    oauth: Callable[..., Scenario], user: User, wb: Workbench
) -> None:
    s = oauth(auth_methods=["client_secret_basic"])
    auth = _pre_register(s, "client_secret_basic")  # this AS refuses a secret in the body for this client
    wb.connect("remote", url=s.url, auth=auth, redirect_handler=user)
    assert wb.call("remote.add", a=2, b=2).structured == {"result": 4}
    assert [e for e, _ in s.provider.log] == ["authorize", "token"]  # pre-registered: no registration
    s.provider.expire_access_tokens()
    assert wb.call("remote.add", a=1, b=1).structured == {"result": 2}  # the refresh authenticates by Basic too
    assert s.provider.events("token")[-1]["grant"] == "refresh_token" and len(user.urls) == 1


def test_a_method_the_user_set_is_kept(oauth: Callable[..., Scenario], user: User, wb: Workbench) -> None:
    s = oauth(auth_methods=["client_secret_basic"])
    auth = {**_pre_register(s, "client_secret_basic"), "token_endpoint_auth_method": "client_secret_post"}
    with pytest.raises(ConnectionFailedError, match="remote") as err:
        wb.connect("remote", url=s.url, auth=auth, redirect_handler=user)
    assert "s3cr3t" not in str(err.value) and "\n" not in str(err.value)
    assert s.provider.events("token") == []  # the token endpoint refused the secret in the body


def test_2025_03_26_server_signs_in_with_the_metadata_at_its_origin(
    oauth: Callable[..., Scenario], user: User, wb: Workbench, tmp_path: Path
) -> None:
    s = oauth(discovery="none", legacy_metadata=True)  # no PRM; the AS metadata (another issuer) at the MCP origin
    info = wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)
    assert info.status == "connected" and wb.call("remote.add", a=3, b=4).structured == {"result": 7}
    assert [e for e, _ in s.provider.log] == ["register", "authorize", "token"]
    signin = urlsplit(user.urls[0])
    assert f"{signin.scheme}://{signin.netloc}" == s.issuer and signin.path == "/authorize"  # the AS it named
    assert s.provider.events("authorize")[0]["resource"] == s.url
    wb.close()
    again = Workbench(idle_timeout=None, store=tmp_path / "again.sqlite")  # a new kernel: the tokens are kept
    try:
        again.connect("remote", url=s.url, auth="oauth", redirect_handler=user)
        assert again.call("remote.add", a=1, b=1).structured == {"result": 2} and len(user.urls) == 1
    finally:
        again.close()
        assert again.catalog_sync is not None
        again.catalog_sync.close()


@pytest.mark.anyio
async def test_only_the_origin_lookup_is_rebased_and_only_when_its_issuer_differs() -> None:
    """The 2025-03-26 path is the AS-metadata lookup at the MCP server's origin; metadata reached
    through protected-resource metadata (another URL) is left to the SDK's strict check."""
    server = "http://127.0.0.1:8123/mcp"
    at_origin = httpx2.Request("GET", "http://127.0.0.1:8123/.well-known/oauth-authorization-server")
    assert is_legacy_metadata_request(at_origin, server)
    for other in ("http://127.0.0.1:9/.well-known/oauth-authorization-server",
                  "http://127.0.0.1:8123/.well-known/oauth-authorization-server/tenant",
                  "http://127.0.0.1:8123/.well-known/openid-configuration"):  # fmt: skip
        assert not is_legacy_metadata_request(httpx2.Request("GET", other), server)
    named = httpx2.Response(200, json={"issuer": "http://idp.test/", "token_endpoint": "http://idp.test/token"},
                            request=at_origin)  # fmt: skip
    rebased, issuer = await rebase(named, "http://127.0.0.1:8123")
    assert issuer == "http://idp.test/" and json.loads(await rebased.aread()) == {
        "issuer": "http://127.0.0.1:8123", "token_endpoint": "http://idp.test/token"}
    own = httpx2.Response(200, json={"issuer": "http://127.0.0.1:8123/"}, request=at_origin)
    assert await rebase(own, "http://127.0.0.1:8123") == (own, None)
    missing = httpx2.Response(404, request=at_origin)
    assert await rebase(missing, "http://127.0.0.1:8123") == (missing, None)
