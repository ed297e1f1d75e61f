"""Where tokens live: the OS keyring when one is usable, else a 0600 file under the workbench home.

One record per (server URL, account): tokens, their absolute expiry, the registered client and
the discovered metadata. The SDK's ``TokenStorage`` keeps only tokens and client info, and
remembers neither when a token expires nor where the token endpoint is, so after a kernel
restart it could not refresh; the extra fields let ``provider.py`` refresh before asking the
user again. Every secret read or written is registered for masking. Nothing here ever goes
to the catalog, the history or a log.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from mcp.shared.auth_utils import calculate_token_expiry, resource_url_from_server_url

from ...errors import ConfigError
from ..home import home_dir
from ..secrets import register_secrets

logger = logging.getLogger("mcp_workbench.auth")
KEYRING_SERVICE = "mcp-workbench"
STORE_ENV = "MCP_WORKBENCH_TOKEN_STORE"  # "file" / "keyring" / "auto": overrides auth={"store": ...}


class Backend(Protocol):
    name: str

    def load(self, key: str) -> dict[str, Any] | None: ...
    def save(self, key: str, record: dict[str, Any]) -> None: ...
    def delete(self, key: str) -> bool: ...


def tokens_dir() -> Path:
    """``$MCP_WORKBENCH_HOME/tokens`` (default ``~/.mcp-workbench/tokens``)."""
    return home_dir() / "tokens"


class FileBackend:
    """One JSON file per record, mode 0600, in a 0700 directory; written atomically."""

    name = "file"

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or tokens_dir()

    def path(self, key: str) -> Path:
        return self.directory / f"{hashlib.sha256(key.encode()).hexdigest()[:40]}.json"

    def load(self, key: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path(key).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            logger.warning("ignoring unreadable token file %s: %s", self.path(key), type(exc).__name__)
            return None
        return data if isinstance(data, dict) else None

    def save(self, key: str, record: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, mode=0o700, exist_ok=True)
        os.chmod(self.directory, 0o700)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")  # created 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(record, f)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path(key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def delete(self, key: str) -> bool:
        try:
            self.path(key).unlink()
            return True
        except FileNotFoundError:
            return False


class KeyringBackend:
    """The OS keyring (macOS Keychain, Windows Credential Locker, Secret Service)."""

    name = "keyring"

    def __init__(self, keyring: Any) -> None:
        self._keyring = keyring

    def load(self, key: str) -> dict[str, Any] | None:
        text = self._keyring.get_password(KEYRING_SERVICE, key)
        return json.loads(text) if text else None

    def save(self, key: str, record: dict[str, Any]) -> None:
        self._keyring.set_password(KEYRING_SERVICE, key, json.dumps(record))

    def delete(self, key: str) -> bool:
        try:
            self._keyring.delete_password(KEYRING_SERVICE, key)
            return True
        except Exception:  # noqa: BLE001 - PasswordDeleteError (nothing stored), or the backend failing
            return False


def _usable_keyring() -> Any | None:
    """The keyring module when importable and backed by a real store (not the fail/null backends)."""
    try:
        import keyring  # type: ignore[import-not-found]  # optional: pip install keyring
        from keyring.backends import fail  # type: ignore[import-not-found]

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
            return None
        return keyring
    except Exception:  # noqa: BLE001 - a broken keyring backend (no D-Bus...) means: use the file
        return None


def backend_for(store: str = "auto") -> Backend:
    """The backend ``store`` names; ``$MCP_WORKBENCH_TOKEN_STORE`` overrides it."""
    store = os.environ.get(STORE_ENV, store) or "auto"
    if store == "file":
        return FileBackend()
    keyring = _usable_keyring()
    if keyring is not None:
        return KeyringBackend(keyring)
    if store == "keyring":
        raise ConfigError("auth store 'keyring' asked for, but no usable OS keyring was found (pip install keyring)")
    return FileBackend()


def record_key(server_url: str, account: str | None = None, client_id: str | None = None) -> str:
    """Tokens are per user and per server URL (canonical form: lower-case host, no fragment), and
    per client when one is configured: another client's tokens must not be sent in its name."""
    key = f"{account or getpass.getuser()}@{resource_url_from_server_url(server_url)}"
    return f"{key}#{client_id}" if client_id else key


def _register(record: dict[str, Any]) -> None:
    tokens, client = record.get("tokens") or {}, record.get("client_info") or {}
    register_secrets([tokens.get("access_token"), tokens.get("refresh_token"), tokens.get("id_token")])
    register_secrets([client.get("client_secret"), client.get("registration_access_token")])


class ServerTokenStorage:
    """The SDK's ``TokenStorage`` for one server and account, plus expiry and metadata."""

    def __init__(
        self, backend: Backend, server_url: str, account: str | None = None, client_id: str | None = None
    ) -> None:
        self.backend = backend
        self.key = record_key(server_url, account, client_id)
        self._record: dict[str, Any] | None = None

    @property
    def record(self) -> dict[str, Any]:
        if self._record is None:
            self._record = self.backend.load(self.key) or {}
            _register(self._record)
        return self._record

    def _save(self) -> None:
        _register(self.record)
        self.backend.save(self.key, self.record)

    async def get_tokens(self) -> OAuthToken | None:
        data = self.record.get("tokens")
        return OAuthToken.model_validate(data) if data else None

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.record["tokens"] = tokens.model_dump(mode="json", exclude_none=True)
        self.record["expires_at"] = calculate_token_expiry(tokens.expires_in) if tokens.expires_in else None
        self._save()

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        data = self.record.get("client_info")
        return OAuthClientInformationFull.model_validate(data) if data else None

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.record["client_info"] = client_info.model_dump(mode="json", exclude_none=True)
        self._save()

    def expires_at(self) -> float | None:
        value = self.record.get("expires_at")
        return float(value) if isinstance(value, (int, float)) else None

    def metadata(self) -> dict[str, Any]:
        return dict(self.record.get("metadata") or {})

    def set_metadata(self, metadata: dict[str, Any]) -> None:
        if metadata and metadata != self.record.get("metadata"):
            self.record["metadata"] = metadata
            self._save()

    def clear_tokens(self) -> None:
        """Forget the tokens (a refused refresh token is of no further use); keep the client."""
        if self.record.pop("tokens", None) is not None:
            self.record.pop("expires_at", None)
            self._save()


def forget(server_url: str, account: str | None = None, store: str = "auto", client_id: str | None = None) -> bool:
    """Delete everything stored for the server, account and client; True when something was there."""
    key = record_key(server_url, account, client_id)
    backend = backend_for(store)
    removed = backend.delete(key)
    if backend.name != "file":  # an earlier run may have fallen back to the file store
        removed = FileBackend().delete(key) or removed
    return removed
