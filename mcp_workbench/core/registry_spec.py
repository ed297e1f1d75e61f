"""A registry's ``server.json`` -> the ``wb.connect`` options that start or reach that server.

A remote (``streamable-http`` / ``sse``) is connected by URL; otherwise a package is run: npm
with ``npx``, PyPI with ``uvx`` (or with the kernel's own interpreter when the package is
installed here already), OCI images with ``docker run -i``. Environment variables the
server.json declares are taken from ``env=``, else passed on from the kernel's environment as
``${env:NAME}`` references (never copied), else from their declared value or default; the
required ones still missing are named in one error before anything starts.
"""

from __future__ import annotations

import os
import re
import shutil
from importlib import metadata
from typing import Any

from ..errors import ConfigError
from .mcp_registry import RegistryEntry

REMOTE_TRANSPORTS = {"streamable-http": "http", "sse": "sse"}
PACKAGE_TYPES = ("npm", "pypi", "oci")
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def connect_options(
    entry: RegistryEntry, *, use: str | None = None, env: dict[str, str] | None = None,
    headers: dict[str, str] | None = None, variables: dict[str, str] | None = None,
    arguments: dict[str, str] | None = None, cwd: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """``wb.connect`` keyword arguments for ``entry``. ``use``: "remote", "npm", "pypi" or "oci"
    (default: a remote if there is one, else the first package of a kind we can run)."""
    server, name = entry.server, entry.name
    if use is not None and use not in ("remote", *PACKAGE_TYPES):
        raise ConfigError(f"use={use!r}: choose 'remote', {', '.join(map(repr, PACKAGE_TYPES))}")
    remotes = [r for r in server.get("remotes") or [] if isinstance(r, dict) and r.get("type") in REMOTE_TRANSPORTS]
    packages = [p for p in server.get("packages") or [] if isinstance(p, dict)]
    if use in (None, "remote") and remotes:
        return _remote(name, remotes[0], headers or {}, variables or {})
    runnable = [p for p in packages if p.get("registryType") in PACKAGE_TYPES and use in (None, p.get("registryType"))]
    if not runnable:
        have = [f"remote {r.get('type')}" for r in remotes] + [str(p.get("registryType")) for p in packages]
        wanted = f"{use} package" if use not in (None, "remote") else ("remote" if use else "remote or package")
        raise ConfigError(f"{name} has no {wanted} we can start (it lists: {', '.join(have) or 'nothing'}); "
                          f"supported: remotes (streamable-http, sse) and {', '.join(PACKAGE_TYPES)} packages")  # fmt: skip
    return _package(name, runnable[0], dict(env or {}), arguments or {}, cwd)


def _remote(name: str, remote: dict[str, Any], given: dict[str, str], variables: dict[str, str]) -> dict[str, Any]:
    declared = remote.get("variables") or {}
    values = {k: str(v.get("default") or v.get("value") or "") for k, v in declared.items() if isinstance(v, dict)}
    values.update({k: v for k, v in variables.items() if v})
    url = str(remote.get("url") or "")
    unset = [v for v in _VARIABLE.findall(url) if not values.get(v)]
    if unset:
        raise ConfigError(f"{name}: its URL {url} needs {', '.join(unset)}: pass variables={{{unset[0]!r}: ...}}")
    headers = dict(given)
    missing: list[str] = []
    for spec in remote.get("headers") or []:
        key = spec.get("name") if isinstance(spec, dict) else None
        if not key or key in headers:
            continue
        value = spec.get("value") or spec.get("default")
        if value and not _VARIABLE.search(str(value)):
            headers[key] = str(value)
        elif spec.get("isRequired"):
            missing.append(_describe(spec))
    if missing:
        raise ConfigError(f"{name} needs the header{'s' * (len(missing) > 1)} {', '.join(missing)} before it can "
                          f"connect: pass headers={{{_example(missing)}}}")  # fmt: skip
    options: dict[str, Any] = {"url": _VARIABLE.sub(lambda m: values[m.group(1)], url),
                               "transport": REMOTE_TRANSPORTS[str(remote["type"])]}  # fmt: skip
    if headers:
        options["headers"] = headers
    return options


def _package(name: str, package: dict[str, Any], env: dict[str, str], given_args: dict[str, str],
             cwd: str | None) -> dict[str, Any]:  # fmt: skip
    kind, identifier, version = package.get("registryType"), str(package.get("identifier") or ""), package.get("version")
    transport = (package.get("transport") or {}).get("type", "stdio")
    if transport != "stdio":
        raise ConfigError(f"{name}: its {kind} package serves {transport} on a port of its own: start it yourself "
                          "and connect its URL with wb.connect(name, url=...)")  # fmt: skip
    missing: list[str] = []  # environment variables
    for spec in package.get("environmentVariables") or []:
        key = spec.get("name") if isinstance(spec, dict) else None
        if not key or key in env:
            continue
        if key in os.environ:
            env[key] = f"${{env:{key}}}"  # a reference: the value is read at connect, never stored
        elif spec.get("value") or spec.get("default"):
            env[key] = str(spec.get("value") or spec.get("default"))
        elif spec.get("isRequired"):
            missing.append(_describe(spec))
    missing_args: list[str] = []
    args = _arguments(package.get("packageArguments") or [], given_args, missing_args)
    runtime_args = _arguments(package.get("runtimeArguments") or [], given_args, missing_args)
    if missing or missing_args:
        parts = [f"environment variable{'s' * (len(missing) > 1)} {', '.join(missing)}"] if missing else []
        parts += [f"argument{'s' * (len(missing_args) > 1)} {', '.join(missing_args)}"] if missing_args else []
        fixes = [f"env={{{_example(missing)}}} (or set them in the kernel's environment)"] if missing else []
        fixes += [f"arguments={{{missing_args[0]!r}: ...}}"] if missing_args else []
        raise ConfigError(f"{name} needs {' and '.join(parts)} before it can start: pass {' and '.join(fixes)}")
    hint = package.get("runtimeHint")
    if kind == "npm":
        command, argv = hint or "npx", [*runtime_args, "-y", f"{identifier}@{version}" if version else identifier]
    elif kind == "pypi":
        local = _installed_entry_point(identifier)
        if local is not None:  # installed in this environment: run it with the kernel's interpreter
            command, argv = "python", ["-c", local, *runtime_args]
        else:
            command = hint or "uvx"
            if shutil.which(command) is None:
                raise ConfigError(f"{name}: {identifier} is not installed here and {command!r} is not on PATH: "
                                  f"pip install {identifier} (it then runs with this kernel's python) or install uv")  # fmt: skip
            argv = [*runtime_args, f"{identifier}=={version}" if version else identifier]
    else:  # oci: the image gets the variables by name (docker reads their values from its own environment)
        image = f"{identifier}:{version}" if version and ":" not in identifier.rsplit("/", 1)[-1] else identifier
        command = hint or "docker"
        argv = ["run", "-i", "--rm", *runtime_args, *(a for key in env for a in ("-e", key)), image]
    options: dict[str, Any] = {"command": command, "args": [*argv, *args]}
    if env:
        options["env"] = env
    if cwd:
        options["cwd"] = cwd
    return options


def _arguments(specs: list[Any], given: dict[str, str], missing: list[str]) -> list[str]:
    """Positional and named (``--flag value``) arguments, with values from ``given`` (by valueHint
    or flag name), else their value or default; a required one without any is reported missing."""
    argv: list[str] = []
    for spec in specs:
        if not isinstance(spec, dict):
            continue
        label = spec.get("name") or spec.get("valueHint") or "value"
        value = given.get(str(label), spec.get("value") or spec.get("default"))
        if value is None or value == "":
            if spec.get("isRequired"):
                missing.append(str(label))
            continue
        argv.extend([str(spec["name"]), str(value)] if spec.get("type") == "named" else [str(value)])
    return argv


def _installed_entry_point(identifier: str) -> str | None:
    """``python -c`` code running the package's console script, if it is installed here."""
    try:
        dist = metadata.distribution(identifier)
    except metadata.PackageNotFoundError:
        return None
    scripts = [ep for ep in dist.entry_points if ep.group == "console_scripts"]
    chosen = next((ep for ep in scripts if ep.name == identifier), scripts[0] if len(scripts) == 1 else None)
    if chosen is None:
        return None
    module, _, attr = chosen.value.partition(":")
    head, *rest = (attr or "main").strip().split(".")
    call = ".".join(["_entry", *rest])
    return f"import sys; from {module.strip()} import {head} as _entry; sys.argv[0] = {chosen.name!r}; sys.exit({call}())"


def _describe(spec: dict[str, Any]) -> str:
    note = " (secret)" if spec.get("isSecret") else ""
    return f"{spec.get('name')}{note}"


def _example(missing: list[str]) -> str:
    names = [m.split(" (")[0] for m in missing]
    return ", ".join(f"{n!r}: '${{env:{n}}}'" for n in names[:2]) + (", ..." if len(names) > 2 else "")
