"""``%load_ext mcp_workbench`` / ``%unload_ext mcp_workbench``: the extension's only entry points.

Loading registers ``%mcp`` / ``%%mcp``, their completer and the ``McpWorkbench`` configurable,
and imports nothing heavy: the workbench (the MCP SDK, pandas, the catalog, the engine thread)
comes on first use. Unloading closes every server the extension connected and takes all of that
back out, so ``%reload_ext`` starts clean.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

_loaded: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_COMPLETER_KEYS = ("%mcp", "%%mcp")


def load_ipython_extension(ip: Any) -> None:
    from .magic import McpWorkbench

    if ip in _loaded:  # loading twice must not register twice
        return
    magic = McpWorkbench(shell=ip)
    ip.register_magics(magic)
    _loaded[ip] = (magic, _add_completer(ip, magic.existing_workbench))
    magic.start()


def _add_completer(ip: Any, workbench: Callable[[], Any]) -> Any:
    """``workbench()``: the workbench if it exists (completion never creates one)."""
    from .cmd.complete import make_completer, make_matcher

    completer = getattr(ip, "Completer", None)
    if completer is not None and hasattr(completer, "custom_matchers"):  # IPython >= 8.6
        matcher = make_matcher(workbench)
        completer.custom_matchers.append(matcher)
        return matcher
    hook = make_completer(workbench)
    for key in _COMPLETER_KEYS:
        ip.set_hook("complete_command", hook, str_key=key)
    return None


def unload_ipython_extension(ip: Any) -> None:
    magic, matcher = _loaded.pop(ip, (None, None))
    if magic is None:
        return
    try:
        magic.close()
    finally:
        for kind in ("line", "cell"):
            ip.magics_manager.magics[kind].pop("mcp", None)
        ip.magics_manager.registry.pop(type(magic).__name__, None)
        if magic in ip.configurables:
            ip.configurables.remove(magic)
        if matcher is not None and matcher in ip.Completer.custom_matchers:
            ip.Completer.custom_matchers.remove(matcher)
        dispatcher = ip.strdispatchers.get("complete_command")
        if dispatcher is not None:
            for key in _COMPLETER_KEYS:
                dispatcher.strs.pop(key, None)
