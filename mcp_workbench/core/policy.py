"""What the workbench lets a resource read reach: ``file://`` URIs only inside the roots.

A server's resources are read by URI, and a ``file://`` URI names a file on the machine the
server runs on (for a stdio server, the user's own). A URI that came from a server's listing, a
template or a model must not reach ``~/.ssh`` just because the server would serve it. So a
``file://`` read is refused unless its path lies inside one of the configured roots (the working
directory when none are configured, the same default the roots servers are told about), or the
path was allowed one by one, or ``allow_outside_roots`` is set. Other schemes are not files and
pass untouched.

    wb.set_roots(["~/project", "file:///data"])       # also what servers are told (roots/list)
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
        self.server_roots: dict[str, list[str | os.PathLike[str]]] = {}  # connect(..., roots=) per server
        self.allow_outside_roots = allow_outside_roots
        self._allowed: set[str] = set()

    def set_roots(self, roots: Iterable[str | os.PathLike[str]] | None, server: str | None = None) -> None:
        """The roots of every server (``server`` None), or of one; None: back to the default."""
        if server is None:
            self.roots = None if roots is None else list(roots)
        elif roots is None:
            self.server_roots.pop(server, None)
        else:
            self.server_roots[server] = list(roots)

    def roots_for(self, server: str | None) -> list[str | os.PathLike[str]] | None:
        """What ``server`` is told (and may be read from): its own roots, else everyone's (None: the cwd)."""
        own = self.server_roots.get(server) if server is not None else None
        return own if own is not None else self.roots

    def allow(self, path_or_uri: str | os.PathLike[str]) -> None:
        """Allow one file outside the roots (the exact path, after normalisation)."""
        self._allowed.add(_local_path(os.fspath(path_or_uri)))

    def root_paths(self, server: str | None = None) -> list[str]:
        """The roots (of ``server``) as absolute, normalised local paths; only local ones count."""
        roots = self.roots_for(server)
        paths = []
        for r in [Path.cwd()] if roots is None else roots:
            text = os.fspath(r)
            if "://" in text and not text.lower().startswith("file:"):
                continue  # a non-file root names no local directory
            try:
                paths.append(_local_path(text))
            except ValueError:
                continue
        return paths

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
        if path in self._allowed or any(_inside(path, root) for root in self.root_paths(server)):
            return
        roots = ", ".join(self.root_paths(server)) or "(none)"
        raise ResourceRefusedError(
            f"{server}: refused to read {uri!r}: it is outside the roots ({roots}); allow it with "
            f"wb.resource_policy.allow({path!r}) or add a root with wb.set_roots([...])"
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
