"""The user's part of the authorization-code flow, shaped for a notebook.

The SDK asks for two callables: ``redirect_handler(url)`` (send the user to the sign-in page)
and ``callback_handler()`` (return the code and state). Here the first shows a clickable link
(and opens a browser when there is one) and the second waits on a loopback server. A headless
run passes its own: either may be sync or async; a sync one runs in a thread, because it
would otherwise block the loop that serves the loopback callback.
"""

from __future__ import annotations

import asyncio
import html
import inspect
import os
import sys
import webbrowser
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from mcp.shared.auth import AuthorizationCodeResult

from .errors import AuthError, SignInDeniedError, SignInTimeoutError
from .loopback import LoopbackCallback, free_port
from .settings import AuthSettings

RedirectHandler = Callable[[str], Any]
CallbackHandler = Callable[[], Any]
_CONSOLE_BROWSERS = {"lynx", "w3m", "links", "elinks", "www-browser"}


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    if inspect.iscoroutinefunction(fn):
        return await fn(*args)
    result = await asyncio.to_thread(fn, *args)
    return await result if inspect.isawaitable(result) else result


def _as_result(value: Any, server: str) -> AuthorizationCodeResult:
    """Accept what a callback handler may naturally return: the result model, a dict of the
    query parameters, a ``(code, state)`` pair, or the whole URL the browser was sent back to."""
    if isinstance(value, AuthorizationCodeResult):
        return value
    if isinstance(value, str):
        value = dict(parse_qsl(urlsplit(value).query)) if "?" in value else {"code": value}
    if isinstance(value, tuple) and len(value) == 2:
        value = {"code": value[0], "state": value[1]}
    if not isinstance(value, dict):
        raise AuthError("callback_handler must return the redirect URL, a dict of its parameters or (code, state)")
    if "error" in value:
        reason = value.get("error_description") or ""
        raise SignInDeniedError(
            f"sign-in to {server!r} was refused by the authorization server: {value['error']}"
            + (f" ({reason})" if reason else "")
        )
    return AuthorizationCodeResult(code=value.get("code") or "", state=value.get("state"), iss=value.get("iss"))


def browser_available() -> bool:
    """A graphical browser on this machine (a kernel on a remote server has none)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    return getattr(browser, "name", "") not in _CONSOLE_BROWSERS


def show_link(server: str, url: str) -> None:
    """A clickable link in the notebook (plain text elsewhere)."""
    text = f"Sign in to {server}: {url}"
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            markup = (
                f"<b>Sign in to {html.escape(server)}:</b> <a href='{html.escape(url, quote=True)}' "
                f"target='_blank' rel='noopener'>open the sign-in page</a>"
            )
            display({"text/plain": text, "text/html": markup}, raw=True)
            return
    except ImportError:
        pass
    print(text, file=sys.stderr, flush=True)


class SignIn:
    """One server's sign-in: the redirect URI, and the two handlers the SDK calls."""

    def __init__(
        self,
        server: str,
        settings: AuthSettings,
        redirect_handler: RedirectHandler | None = None,
        callback_handler: CallbackHandler | None = None,
        port: int | None = None,
    ) -> None:
        self.server = server
        self.settings = settings
        self._redirect = redirect_handler
        self._callback = callback_handler
        if settings.redirect_uri:
            self.redirect_uri = settings.redirect_uri
            parts = urlsplit(settings.redirect_uri)
            self._loopback = LoopbackCallback(parts.port or 80, parts.path or "/", parts.hostname or "127.0.0.1")
        else:
            self._loopback = LoopbackCallback(port or settings.callback_port or free_port())
            self.redirect_uri = f"http://127.0.0.1:{self._loopback.port}{self._loopback.path}"

    @property
    def uses_loopback(self) -> bool:
        return self._callback is None

    @property
    def possible(self) -> bool:
        """Whether a sign-in can happen without failing outright (headless handlers count)."""
        return self.settings.interactive or self._redirect is not None or self._callback is not None

    async def redirect_handler(self, url: str) -> None:
        if self.uses_loopback:
            await self._loopback.start()
        if self._redirect is not None:
            await _call(self._redirect, url)
            return
        show_link(self.server, url)
        if self.settings.open_browser and browser_available():
            await asyncio.to_thread(webbrowser.open, url)

    async def callback_handler(self) -> AuthorizationCodeResult:
        timeout = self.settings.timeout
        try:
            if not self.uses_loopback:
                return _as_result(await asyncio.wait_for(_call(self._callback), timeout), self.server)  # type: ignore[arg-type]
            params = await self._loopback.wait(timeout)
        except TimeoutError:
            raise SignInTimeoutError(
                f"sign-in to {self.server!r} was not completed within {timeout:g} s (was the page closed?); "
                "connect again for a new link, or raise auth={'timeout': S}"
            ) from None
        finally:
            await self.close()
        return _as_result(params, self.server)

    async def close(self) -> None:
        """Stop the loopback server (after the callback, or when the flow failed before it)."""
        await self._loopback.close()
