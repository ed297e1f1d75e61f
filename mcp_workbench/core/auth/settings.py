"""The ``auth=`` value of a server spec: ``"oauth"``, ``"client_credentials"`` or a dict.

Parsed here once so that a mistake is a one-line ``ConfigError`` at ``connect()``, not a
failure half-way through a sign-in. Values stay as written in the spec (``${env:VAR}`` is
resolved in memory by ``ServerSpec.resolved``); this module only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ...errors import ConfigError

Mode = Literal["oauth", "client_credentials"]
SIGN_IN_TIMEOUT_S = 300.0

_MODES: dict[str, Mode] = {
    "oauth": "oauth", "oauth2": "oauth", "authorization_code": "oauth",
    "client_credentials": "client_credentials", "client-credentials": "client_credentials",
}  # fmt: skip
_KEYS = {
    "type", "client_id", "client_secret", "private_key", "jwt_algorithm", "issuer", "scopes", "scope",
    "client_metadata_url", "client_name", "redirect_uri", "callback_port", "timeout", "open_browser",
    "interactive", "store", "account", "token_endpoint_auth_method",
}  # fmt: skip


@dataclass(frozen=True)
class AuthSettings:
    """How to sign in to one server. Secrets here are resolved values: never persist this."""

    mode: Mode = "oauth"
    client_id: str | None = None
    client_secret: str | None = None
    private_key: str | None = None  # PEM text, or a path to a PEM file (private-key JWT)
    jwt_algorithm: str | None = None  # default: RS256 for RSA keys, ES256 for EC keys
    issuer: str | None = None  # the authorization server the client credentials belong to
    scopes: tuple[str, ...] = ()  # asked for on top of what the server challenges for
    client_metadata_url: str | None = None  # a client ID metadata document (CIMD) URL
    client_name: str = "mcp-workbench"
    redirect_uri: str | None = None  # default: http://127.0.0.1:<free port>/callback
    callback_port: int | None = None
    timeout: float = SIGN_IN_TIMEOUT_S  # how long the user has to sign in
    open_browser: bool = True
    interactive: bool = True  # False: never ask the user (scheduled runs): fail instead
    store: Literal["auto", "keyring", "file"] = "auto"
    account: str | None = None  # whose tokens (default: the OS user)
    token_endpoint_auth_method: str | None = None

    @property
    def interactive_sign_in(self) -> bool:
        return self.mode == "oauth" and self.interactive


def parse_auth(value: Any, *, where: str) -> AuthSettings | None:
    """Validate an ``auth=`` value; None means no authorization."""
    if value is None or value is False:
        return None
    if isinstance(value, str):
        value = {"type": value}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: auth must be 'oauth', 'client_credentials' or a dict of settings")
    unknown = sorted(set(value) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown auth setting(s) {', '.join(unknown)} (known: {', '.join(sorted(_KEYS))})")
    kind = str(value.get("type", "oauth")).strip().lower()
    if kind not in _MODES:
        raise ConfigError(f"{where}: auth type {kind!r} is not 'oauth' or 'client_credentials'")
    mode = _MODES[kind]
    scopes = value.get("scopes", value.get("scope", ()))
    if isinstance(scopes, str):
        scopes = scopes.replace(",", " ").split()
    if not isinstance(scopes, (list, tuple)) or not all(isinstance(s, str) for s in scopes):
        raise ConfigError(f"{where}: auth scopes must be a list of strings or one space-separated string")
    for key in ("client_id", "client_secret", "private_key", "issuer", "redirect_uri", "client_metadata_url", "account"):
        if value.get(key) is not None and not isinstance(value[key], str):
            raise ConfigError(f"{where}: auth {key} must be a string")
    timeout = value.get("timeout", SIGN_IN_TIMEOUT_S)
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ConfigError(f"{where}: auth timeout must be a positive number of seconds (time to sign in)")
    store = value.get("store", "auto")
    if store not in ("auto", "keyring", "file"):
        raise ConfigError(f"{where}: auth store must be 'auto', 'keyring' or 'file'")
    port = value.get("callback_port")
    if port is not None and (not isinstance(port, int) or not 0 < port < 65536):
        raise ConfigError(f"{where}: auth callback_port must be a port number")
    settings = AuthSettings(
        mode=mode, client_id=value.get("client_id"), client_secret=value.get("client_secret"),
        private_key=value.get("private_key"), jwt_algorithm=value.get("jwt_algorithm"), issuer=value.get("issuer"),
        scopes=tuple(scopes), client_metadata_url=value.get("client_metadata_url"),
        client_name=str(value.get("client_name", "mcp-workbench")), redirect_uri=value.get("redirect_uri"),
        callback_port=port, timeout=float(timeout), open_browser=bool(value.get("open_browser", True)),
        interactive=bool(value.get("interactive", True)), store=store, account=value.get("account"),
        token_endpoint_auth_method=value.get("token_endpoint_auth_method"),
    )  # fmt: skip
    _check_mode(settings, where)
    return settings


def _check_mode(s: AuthSettings, where: str) -> None:
    if s.mode == "client_credentials":
        if not s.client_id:
            raise ConfigError(f"{where}: client_credentials needs client_id (and client_secret or private_key)")
        if bool(s.client_secret) == bool(s.private_key):
            raise ConfigError(f"{where}: client_credentials needs exactly one of client_secret or private_key")
    elif s.private_key:
        raise ConfigError(f"{where}: private_key is for type='client_credentials' (machine-to-machine) only")
    elif s.client_secret and not s.client_id:
        raise ConfigError(f"{where}: auth client_secret needs the client_id it belongs to")
