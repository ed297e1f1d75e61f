"""Secret masking: what never reaches a repr, a DataFrame, the history, a log or the disk.

Two rules. A value under a secret-looking key (token, secret, password, key, authorization,
cookie, ...) is masked. A value that equals a known secret (an env value or header value the
user passed, or a resolved ``${env:VAR}``) is masked wherever it appears, even inside text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

MASK = "***"

_SECRET_KEY = re.compile(
    r"(token|secret|passw(or)?d|passphrase|api[-_]?key|apikey|private[-_]?key|access[-_]?key|"
    r"(^|[-_])key$|^key|authori[sz]ation|auth$|cookie|credential|session[-_]?id|bearer)",
    re.IGNORECASE,
)
_MIN_SECRET_LEN = 4  # shorter values ("1", "on") would mask ordinary text everywhere

_known: set[str] = set()
_known_lock = threading.Lock()
_pattern: re.Pattern[str] | None = None


@lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """True when a mapping key names something secret (``API_KEY``, ``Authorization``...).

    Cached: the same argument names are checked for every call recorded."""
    return bool(_SECRET_KEY.search(str(key)))


def register_secret(value: str | None) -> None:
    """Remember a value that must be masked wherever it later appears."""
    global _pattern
    if not value or not isinstance(value, str) or len(value) < _MIN_SECRET_LEN:
        return
    with _known_lock:
        if value in _known:
            return
        _known.add(value)
        # Longest first so a secret that contains another is masked whole.
        _pattern = re.compile("|".join(re.escape(s) for s in sorted(_known, key=len, reverse=True)))


def register_secrets(values: Iterable[str | None]) -> None:
    for value in values:
        register_secret(value)


def mask_text(text: str) -> str:
    """Replace every known secret inside ``text`` by ``***``."""
    pattern = _pattern
    if pattern is None or not isinstance(text, str):
        return text
    return pattern.sub(MASK, text)


_REFERENCE = re.compile(r"\$\{(?:env:)?[A-Za-z_][A-Za-z0-9_]*\}")
_SCHEME_ONLY = re.compile(r"^[A-Za-z]{0,12}\s*$")


def is_reference(value: Any) -> bool:
    """True for ``${env:VAR}`` or ``Bearer ${env:VAR}``: text that names a secret without holding it."""
    if not isinstance(value, str) or "${" not in value:
        return False
    return bool(_SCHEME_ONLY.match(_REFERENCE.sub("", value)))


def mask(value: Any, *, key: str | None = None) -> Any:
    """A deep copy of ``value`` with secrets masked (by key name and by known value)."""
    if key is not None and is_secret_key(key) and value not in (None, "", MASK):
        return value if is_reference(value) else MASK
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask(v) for v in value)
    return value


def mask_mapping_values(mapping: dict[str, str] | None) -> dict[str, str] | None:
    """Mask every value of a mapping (env vars, headers): all of them may be secret."""
    if mapping is None:
        return None
    return {k: (v if is_reference(v) else MASK) for k, v in mapping.items()}
