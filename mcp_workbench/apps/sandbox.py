"""The sandbox an app runs in: its Content-Security-Policy, its iframe permissions, its page.

The app's HTML is shown as an iframe ``srcdoc`` with ``sandbox="allow-scripts"`` and never
``allow-same-origin``, so it runs in an opaque origin: no access to the notebook page, its
cookies or the kernel's origin. What it may load comes from a CSP ``<meta>`` tag put first into
its document, built from the resource's ``_meta.ui.csp`` (no entry: no network at all).
Permissions (camera, microphone, geolocation, clipboard-write) are granted only when the
resource asks for them AND the user allowed them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import ArgumentError

SANDBOX = "allow-scripts"  # the only sandbox flag an app ever gets
# _meta.ui.permissions key -> Permissions-Policy feature of the iframe's ``allow`` attribute
PERMISSIONS = {"camera": "camera", "microphone": "microphone", "geolocation": "geolocation",
               "clipboardWrite": "clipboard-write"}  # fmt: skip
CSP_KEYS = ("connectDomains", "resourceDomains", "frameDomains", "baseUriDomains")
# An origin (optionally a wildcard subdomain, a port, a path); nothing that could end a directive.
_SOURCE = re.compile(r"^(https?|wss?)://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:(\d{1,5}|\*))?(/[^\s;,'\"]*)?$")
_DOCTYPE = re.compile(r"^\s*<!doctype[^>]*>", re.IGNORECASE)


@dataclass
class Sandbox:
    """What the host applies to one app: CSP domains kept, permissions granted, and what it refused."""

    csp: dict[str, list[str]] = field(default_factory=dict)
    requested: list[str] = field(default_factory=list)  # permission features the resource asked for
    granted: list[str] = field(default_factory=list)  # ... and the user allowed
    dropped: list[str] = field(default_factory=list)  # CSP entries refused as malformed

    @property
    def allow(self) -> str:
        """The iframe's ``allow`` attribute (``*``: the srcdoc's opaque origin matches no other)."""
        return "; ".join(f"{feature} *" for feature in self.granted)

    def policy(self) -> str:
        """The Content-Security-Policy: inline scripts and styles, data: media, and only the
        declared domains for anything from the network."""
        res = " ".join(self.csp.get("resourceDomains", []))
        connect = " ".join(self.csp.get("connectDomains", [])) or "'none'"
        frames = " ".join(self.csp.get("frameDomains", [])) or "'none'"
        base = " ".join(self.csp.get("baseUriDomains", [])) or "'self'"
        directives = [
            "default-src 'none'", f"script-src 'unsafe-inline' {res}", f"style-src 'unsafe-inline' {res}",
            f"img-src data: blob: {res}", f"font-src data: {res}", f"media-src data: blob: {res}",
            f"connect-src {connect}", f"frame-src {frames}", f"base-uri {base}", "form-action 'none'",
            "object-src 'none'",
        ]  # fmt: skip
        return "; ".join(d.strip() for d in directives)

    def page(self, document: str) -> str:
        """The app's HTML with the CSP ``<meta>`` first (after a doctype): it binds every script
        of the page, and a policy the page declares itself can only narrow it further."""
        tag = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(self.policy())}">'
        match = _DOCTYPE.match(document)
        if match is None:
            return tag + document
        return document[: match.end()] + tag + document[match.end() :]

    def summary(self) -> str:
        """One line for the view's header: what the app may reach."""
        network = ", ".join(self.csp.get("connectDomains", [])) or "none"
        loads = ", ".join(self.csp.get("resourceDomains", []))
        granted = ", ".join(self.granted) or "none"
        asked = [p for p in self.requested if p not in self.granted]
        parts = [f"network: {network}", f"loads from: {loads}" if loads else "", f"permissions: {granted}",
                 f"not granted: {', '.join(asked)}" if asked else ""]  # fmt: skip
        return " · ".join(p for p in parts if p)


def build_sandbox(ui: dict[str, Any], allowed: Iterable[str]) -> Sandbox:
    """The sandbox for a resource's ``_meta.ui`` and the permission features the user allows."""
    box = Sandbox()
    csp = ui.get("csp")
    if isinstance(csp, dict):
        for key in CSP_KEYS:
            entries = csp.get(key)
            if not isinstance(entries, list):
                continue
            for entry in entries:
                if isinstance(entry, str) and _SOURCE.match(entry):
                    box.csp.setdefault(key, []).append(entry)
                else:
                    box.dropped.append(f"{key}: {entry!r}")
    permissions = ui.get("permissions")
    if isinstance(permissions, dict):
        box.requested = [feature for key, feature in PERMISSIONS.items() if key in permissions]
    allowed_set = set(allowed)
    box.granted = [feature for feature in box.requested if feature in allowed_set]
    return box


def check_permissions(features: Iterable[str]) -> list[str]:
    """The user's allow-list, checked: each must be a known feature name."""
    out = []
    for feature in features:
        if feature not in PERMISSIONS.values():
            known = ", ".join(PERMISSIONS.values())
            raise ArgumentError(f"unknown app permission {feature!r}; allow any of: {known}")
        out.append(feature)
    return out
