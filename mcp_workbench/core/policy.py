"""What the workbench lets a resource read reach: ``file://`` URIs only inside the roots.

A server's resources are read by URI, and a ``file://`` URI names a file on the machine the
server runs on (for a stdio server, the user's own). A URI that came from a server's listing, a
template or a model must not reach ``~/.ssh`` just because the server would serve it. So a
``file://`` read is refused unless its path lies inside one of the configured roots (the working
directory when none are configured, the same default the roots servers are told about), or the
path was allowed one by one, or ``allow_outside_roots`` is set. Other schemes are not files and
pass untouched.

    wb.resource_policy.roots = ["~/project", "file:///data"]
    wb.resource_policy.allow("/etc/hosts")            # one path, exactly
    wb.resource_policy.allow_outside_roots = True      # every file (not recommended)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import WorkbenchError

_LOCAL_HOSTS = ("", "localhost", "127.0.0.1")


class ResourceRefusedError(WorkbenchError, PermissionError):
    """A resource read was refused by the workbench's policy (nothing was sent to the server)."""


class ResourcePolicy:
    """Which ``file://`` resources may be read: see the module docstring."""

    def __init__(self, roots: Iterable[str | os.PathLike[str]] | None = None, *, allow_outside_roots: bool = False):
        self.roots: list[str | os.PathLike[str]] | None = None if roots is None else list(roots)
        self.allow_outside_roots = allow_outside_roots
        self._allowed: set[str] = set()

    def allow(self, path_or_uri: str | os.PathLike[str]) -> None:
        """Allow one file outside the roots (the exact path, after normalisation)."""
        self._allowed.add(_local_path(os.fspath(path_or_uri)))

    def root_paths(self) -> list[str]:
        """The roots as absolute, normalised local paths."""
        roots = [Path.cwd()] if self.roots is None else self.roots
        return [_local_path(os.fspath(r)) for r in roots]

    def check(self, server: str, uri: str) -> None:
        """Raise ``ResourceRefusedError`` when ``uri`` is a file outside the roots."""
        if not isinstance(uri, str) or urlsplit(uri.strip()).scheme.lower() != "file":
            return
        if self.allow_outside_roots:
            return
        try:
            path = _local_path(uri)
        except ValueError as exc:
            raise ResourceRefusedError(f"{server}: refused to read {uri!r}: {exc}") from None
        if path in self._allowed or any(_inside(path, root) for root in self.root_paths()):
            return
        roots = ", ".join(self.root_paths()) or "(none)"
        raise ResourceRefusedError(
            f"{server}: refused to read {uri!r}: it is outside the roots ({roots}); allow it with "
            f"wb.resource_policy.allow({path!r}) or add a root to wb.resource_policy.roots"
        )


def _local_path(text: str) -> str:
    """An absolute, normalised, symlink-resolved path from a path or a ``file://`` URI."""
    if text.lower().startswith("file:"):
        parts = urlsplit(text)
        if parts.netloc.lower() not in _LOCAL_HOSTS:
            raise ValueError(f"a file on another host ({parts.netloc}) is never a local root")
        text = unquote(parts.path)
    if "\x00" in text:
        raise ValueError("the path contains a NUL byte")
    return os.path.realpath(os.path.expanduser(text))


def _inside(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives
        return False
