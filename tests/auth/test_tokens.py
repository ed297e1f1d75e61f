"""Tokens after the sign-in: refresh without the user, storage, logout, client credentials,
and a token that never shows up anywhere it should not."""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mcp_workbench import Workbench
from mcp_workbench.core.auth.storage import FileBackend, ServerTokenStorage, record_key
from mcp_workbench.errors import ConnectionFailedError, ProtocolError

from .conftest import Scenario, User


def _stored(url: str) -> ServerTokenStorage:
    return ServerTokenStorage(FileBackend(), url)


def _age_stored_token(url: str) -> None:
    """As if the kernel was restarted after the access token's lifetime."""
    storage = _stored(url)
    storage.record["expires_at"] = time.time() - 5
    storage._save()


def test_expired_access_token_is_refreshed_without_the_user(
    oauth: Callable[..., Scenario], user: User, wb: Workbench
) -> None:
    s = oauth()
    wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)
    s.provider.expire_access_tokens()  # the server now answers 401 to the token the client holds
    assert wb.call("remote.add", a=1, b=2).structured == {"result": 3}
    assert 401 in s.gate.statuses and len(user.urls) == 1
    assert s.provider.events("token")[-1]["grant"] == "refresh_token"


def test_a_new_kernel_refreshes_at_the_stored_token_endpoint(
    oauth: Callable[..., Scenario], user: User, wb: Workbench, tmp_path: Path
) -> None:
    s = oauth()
    wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)
    wb.disconnect("remote")
    s.provider.expire_access_tokens()
    _age_stored_token(s.url)
    later = User(follow=False)
    other = Workbench(idle_timeout=None, store=tmp_path / "other.sqlite")
    try:
        other.connect("remote", url=s.url, auth="oauth", redirect_handler=later)
        assert later.urls == [] and s.provider.events("token")[-1]["grant"] == "refresh_token"
        assert 401 not in s.gate.statuses[-3:]  # refreshed before sending, not after a refusal
    finally:
        other.close()
        other.catalog_sync.close()  # type: ignore[union-attr]


def test_refused_refresh_in_an_unattended_run_says_sign_in_again(
    oauth: Callable[..., Scenario], user: User, wb: Workbench
) -> None:
    s = oauth()
    wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)
    wb.disconnect("remote")
    s.provider.expire_access_tokens()
    s.provider.revoke_refresh_tokens()
    _age_stored_token(s.url)
    with pytest.raises(ConnectionFailedError, match="expired and the authorization server refused the refresh token"):
        wb.connect("remote", url=s.url, auth={"interactive": False})
    assert "tokens" not in _stored(s.url).record  # a refused refresh token is not kept
    assert len(user.urls) == 1


def test_an_unattended_run_without_tokens_fails_at_once(oauth: Callable[..., Scenario], wb: Workbench) -> None:
    s = oauth()
    with pytest.raises(ConnectionFailedError, match="needs a sign-in, but this run may not ask for one"):
        wb.connect("remote", url=s.url, auth={"interactive": False})
    assert s.provider.events("authorize") == []


def test_token_file_is_private_and_logout_forgets_it(
    oauth: Callable[..., Scenario], user: User, wb: Workbench
) -> None:
    s = oauth()
    wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)
    path = FileBackend().path(record_key(s.url))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]
    wb.disconnect("remote")
    wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)
    assert len(user.urls) == 1  # reused from storage
    assert wb.logout("remote") is True
    assert not path.exists() and wb.servers()["status"].iloc[0] == "disconnected"
    assert wb.logout("remote") is False
    wb.reconnect("remote")
    assert len(user.urls) == 2  # signed in again


def test_client_credentials_with_a_secret(
    oauth: Callable[..., Scenario], wb: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = oauth()
    s.provider.machine_clients["robot"] = {"secret": "robot-secret-value"}
    monkeypatch.setenv("ROBOT_SECRET", "robot-secret-value")
    auth = {"type": "client_credentials", "client_id": "robot", "client_secret": "${env:ROBOT_SECRET}", "issuer": s.issuer}
    wb.connect("robot", url=s.url, auth=auth)
    assert wb.call("robot.add", a=4, b=5).structured == {"result": 9}
    [grant] = s.provider.events("token")
    assert grant == {"grant": "client_credentials", "resource": s.url, "scopes": ["mcp"], "jwt": False}
    s.provider.expire_access_tokens()  # no refresh token: a new client-credentials grant
    wb.call("robot.add", a=1, b=1)
    assert [e["grant"] for e in s.provider.events("token")] == ["client_credentials"] * 2
    assert "robot-secret-value" not in wb.servers().to_string() + repr(wb.server("robot").spec.to_safe_dict())
    assert wb.logout("robot") is True
    monkeypatch.setenv("ROBOT_SECRET", "not-the-secret")
    with pytest.raises(ConnectionFailedError, match="refused the token request for 'robot' \\(invalid_client"):
        wb.connect("robot", url=s.url, auth=auth)


def test_client_credentials_with_a_private_key_jwt(
    oauth: Callable[..., Scenario], wb: Workbench, tmp_path: Path
) -> None:
    s = oauth()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    s.provider.machine_clients["robot-jwt"] = {"public_key": public.decode()}
    key_file = tmp_path / "robot.pem"
    key_file.write_bytes(pem)
    auth = {"type": "client_credentials", "client_id": "robot-jwt", "private_key": str(key_file), "issuer": s.issuer}
    wb.connect("robot", url=s.url, auth=auth)
    assert wb.call("robot.add", a=1, b=2).structured == {"result": 3}
    assert s.provider.events("token")[0]["jwt"] is True


def test_a_planted_token_never_shows(
    oauth: Callable[..., Scenario], user: User, wb: Workbench, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    s = oauth(token_prefix="PLANTED-")
    wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)
    leaked = wb.call("remote.whoami")  # a server that echoes the bearer token back
    wb.call("remote.add", a=1, b=2)
    s.provider.expire_access_tokens()
    wb.call("remote.add", a=2, b=2)  # refreshed: a second pair of tokens
    s.provider.deny = True
    with pytest.raises(ProtocolError) as failed:
        wb.call("remote.admin_op")  # step-up refused: an error message
    tokens = [*s.provider.access, *s.provider.refresh]
    assert len(tokens) >= 3 and all(t.startswith("PLANTED-") for t in tokens)
    wb.catalog_sync.flush()  # type: ignore[union-attr]
    shown = [
        wb.servers().to_string(), wb.history().to_string(), repr(wb.history().to_dict()), repr(leaked), str(leaked),
        repr(leaked._repr_mimebundle_()), repr(wb), str(failed.value), caplog.text,
        repr(wb.server("remote").spec), repr(wb.server("remote").spec.to_safe_dict()),
    ]  # fmt: skip
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("catalog.sqlite"))
    for token in tokens:
        assert token not in stored.decode("latin-1")
        for text in shown:
            assert token not in text
    assert "***" in repr(leaked._repr_mimebundle_())


def test_logout_by_url_without_a_connection(oauth: Callable[..., Scenario], user: User, wb: Workbench) -> None:
    s = oauth()
    wb.connect("remote", url=s.url, auth="oauth", redirect_handler=user)
    wb.disconnect("remote")
    assert wb.logout(s.url) is True
    assert not FileBackend().path(record_key(s.url)).exists()
    assert os.environ["MCP_WORKBENCH_TOKEN_STORE"] == "file"
