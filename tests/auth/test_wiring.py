"""The ``auth`` setting in specs and config files, the magics, the sign-in link, the keyring."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from mcp_workbench.core.auth import signin, storage
from mcp_workbench.core.auth.settings import parse_auth
from mcp_workbench.core.config import ServerSpec, parse_config
from mcp_workbench.errors import ConfigError
from tests.test_magics_shell import fails, ip_fixture, run, wb  # noqa: F401

from .conftest import Scenario


def test_auth_in_a_config_file_is_kept_as_written_and_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = {"mcpServers": {"remote": {
        "url": "https://mcp.example.com/mcp",
        "auth": {"client_id": "nb", "client_secret": "${env:NB_SECRET}", "scopes": "read write"},
    }}}  # fmt: skip
    [spec] = parse_config(doc)
    assert spec.auth == doc["mcpServers"]["remote"]["auth"]
    assert spec.connect_timeout > 300  # room for the user to sign in
    monkeypatch.setenv("NB_SECRET", "inline-secret-42")
    resolved = spec.resolved()
    assert resolved.auth["client_secret"] == "inline-secret-42"  # type: ignore[index]
    assert "inline-secret-42" not in json.dumps(resolved.to_safe_dict())
    assert spec.to_safe_dict()["auth"]["client_secret"] == "${env:NB_SECRET}"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("password", "auth type 'password' is not"),
        ({"type": "client_credentials", "client_id": "x"}, "exactly one of client_secret or private_key"),
        ({"private_key": "k"}, "private_key is for type='client_credentials'"),
        ({"client_secret": "s"}, "needs the client_id"),
        ({"scopes": 3}, "scopes must be"),
        ({"timeout": 0}, "timeout must be a positive"),
        ({"colour": "red"}, "unknown auth setting"),
        (42, "auth must be 'oauth'"),
    ],
)
def test_bad_auth_settings_are_one_line_config_errors(value: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ServerSpec.build("r", url="https://x.test/mcp", auth=value)


def test_settings_defaults() -> None:
    s = parse_auth("oauth", where="t")
    assert s is not None and s.mode == "oauth" and s.interactive_sign_in and s.timeout == 300
    cc = parse_auth({"type": "client_credentials", "client_id": "a", "client_secret": "b"}, where="t")
    assert cc is not None and not cc.interactive_sign_in
    unattended = ServerSpec.build("r", url="https://x.test/mcp", auth={"interactive": False})
    assert unattended.connect_timeout == 30  # no sign-in to wait for


def test_keyring_when_usable_else_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(storage.STORE_ENV)
    saved: dict[tuple[str, str], str] = {}

    class FakeKeyring:
        def get_password(self, service: str, key: str) -> str | None:
            return saved.get((service, key))

        def set_password(self, service: str, key: str, value: str) -> None:
            saved[(service, key)] = value

        def delete_password(self, service: str, key: str) -> None:
            del saved[(service, key)]

    monkeypatch.setattr(storage, "_usable_keyring", lambda: FakeKeyring())
    backend = storage.backend_for("auto")
    assert backend.name == "keyring"
    backend.save("me@https://x.test/mcp", {"tokens": {"access_token": "kk"}})
    assert backend.load("me@https://x.test/mcp") == {"tokens": {"access_token": "kk"}}
    assert storage.forget("https://x.test/mcp", "me") is True and saved == {}
    monkeypatch.setattr(storage, "_usable_keyring", lambda: None)
    assert storage.backend_for("auto").name == "file"
    with pytest.raises(ConfigError, match="no usable OS keyring"):
        storage.backend_for("keyring")


def test_sign_in_link_is_clickable_in_the_notebook(ip: InteractiveShell) -> None:
    with capture_output() as cap:
        signin.show_link("remote", "https://as.test/authorize?a=1&b=2")
    [bundle] = [o.data for o in cap.outputs]
    assert "<a href='https://as.test/authorize?a=1&amp;b=2' target='_blank'" in bundle["text/html"]
    assert bundle["text/plain"] == "Sign in to remote: https://as.test/authorize?a=1&b=2"


def test_magics_connect_with_oauth_and_logout(
    oauth: Callable[..., Scenario], ip: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = oauth()
    clicked: list[str] = []

    def click(server: str, url: str) -> None:  # the user clicks the link the notebook shows
        clicked.append(url)
        threading.Thread(target=lambda: urllib.request.urlopen(url, timeout=10).read(), daemon=True).start()

    monkeypatch.setattr(signin, "show_link", click)
    monkeypatch.setattr(signin, "browser_available", lambda: False)
    try:
        run(ip, f"%mcp connect remote {s.url} --oauth --scope admin")
        assert len(clicked) == 1 and s.provider.events("authorize")[0]["scopes"] == ["mcp", "admin"]
        assert run(ip, "%mcp call remote.add a=1 b=2").structured == {"result": 3}
        with capture_output() as cap:
            run(ip, "%mcp logout remote")
        assert "logged out of remote" in cap.stdout
        with capture_output() as cap:
            run(ip, "%mcp logout remote")
        assert "no stored sign-in for remote" in cap.stdout
    finally:
        run(ip, "%mcp disconnect remote")
    assert "--client-id is for URL servers" in fails(ip, "%mcp connect x --stdio python --client-id abc")
    assert "remote" not in wb().server_names()
