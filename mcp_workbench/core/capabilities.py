"""What a server advertised it offers, asked one way everywhere.

The core refuses a request a server did not advertise (in one line, before anything is sent),
and the widgets and completers hide what a server does not offer; both ask ``offers`` here, so
"does it offer completions / logging / resource subscriptions" has one answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import CapabilityError

# feature -> (the test on ServerCapabilities, what it is called, the capability that says so)
_FEATURES: dict[str, tuple[Callable[[Any], bool], str, str]] = {
    "completions": (lambda c: c.completions is not None, "completions", "completions"),
    "logging": (lambda c: c.logging is not None, "logging", "logging"),
    "subscribe": (lambda c: c.resources is not None and bool(c.resources.subscribe),
                  "resource subscriptions", "resources.subscribe"),
}  # fmt: skip


def offers(capabilities: Any, feature: str) -> bool:
    """True when ``capabilities`` (the server's ``ServerCapabilities``) advertise ``feature``;
    False when they do not, or are not known (the server never connected)."""
    return capabilities is not None and _FEATURES[feature][0](capabilities)


def require(server: str, capabilities: Any, feature: str, *, unknown_ok: bool = True) -> None:
    """Raise ``CapabilityError`` when ``server`` did not advertise ``feature``; capabilities not
    known yet pass when ``unknown_ok`` (the request itself will tell)."""
    if capabilities is None and unknown_ok:
        return
    if not offers(capabilities, feature):
        _, what, name = _FEATURES[feature]
        raise CapabilityError(f"server {server!r} does not offer {what} (no {name} capability)")
