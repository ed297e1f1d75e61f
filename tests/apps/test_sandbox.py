"""The sandbox policy an app gets, from ``_meta.ui`` alone: no network unless declared, the CSP
first in the page, only well-formed sources, only the permissions the user allowed."""

from __future__ import annotations

import re

import pytest

from mcp_workbench import ArgumentError
from mcp_workbench.apps.sandbox import build_sandbox, check_permissions

NO_NETWORK = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; "
    "font-src data:; media-src data: blob:; connect-src 'none'; frame-src 'none'; base-uri 'self'; "
    "form-action 'none'; object-src 'none'"
)


def test_without_csp_metadata_an_app_reaches_no_network() -> None:
    box = build_sandbox({}, allowed=["camera"])
    assert box.policy() == NO_NETWORK and box.allow == "" and box.summary() == "network: none · permissions: none"


@pytest.mark.parametrize(("page", "head"), [
    ("<html><script>x()</script></html>", '<meta http-equiv="Content-Security-Policy"'),
    ("  <!DOCTYPE html>\n<html>", '  <!DOCTYPE html><meta http-equiv="Content-Security-Policy"'),
    ("<!doctype HTML><title>t</title>", '<!doctype HTML><meta http-equiv="Content-Security-Policy"'),
])  # fmt: skip
def test_the_policy_comes_first_in_the_page(page: str, head: str) -> None:
    shown = build_sandbox({}, []).page(page)
    assert shown.startswith(head)
    assert re.sub(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">', "", shown, count=1) == page


def test_only_well_formed_sources_and_allowed_permissions_are_kept() -> None:
    ui = {
        "csp": {"connectDomains": ["https://api.example.com", "https://a.example.com 'unsafe-eval'", 7],
                "baseUriDomains": ["https://cdn.example.com/base/"], "resourceDomains": "https://not-a-list.example.com"},
        "permissions": {"microphone": {}, "geolocation": {}, "teleport": {}},
    }  # fmt: skip
    box = build_sandbox(ui, allowed=["geolocation", "camera"])
    assert box.csp == {"connectDomains": ["https://api.example.com"], "baseUriDomains": ["https://cdn.example.com/base/"]}
    assert box.dropped == ["connectDomains: \"https://a.example.com 'unsafe-eval'\"", "connectDomains: 7"]
    assert "connect-src https://api.example.com;" in box.policy() and "base-uri https://cdn.example.com/base/;" in box.policy()
    assert box.requested == ["microphone", "geolocation"] and box.granted == ["geolocation"]
    assert box.allow == "geolocation *"


def test_the_allow_list_names_known_permissions_only() -> None:
    assert check_permissions(["clipboard-write", "camera"]) == ["clipboard-write", "camera"]
    with pytest.raises(ArgumentError, match="unknown app permission 'clipboardWrite'; allow any of: camera, microphone"):
        check_permissions(["clipboardWrite"])
