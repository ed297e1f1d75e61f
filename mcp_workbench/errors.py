"""The workbench's error hierarchy: one base class, a few precise subclasses.

Every message is one line that says what went wrong and what to do next, so the magics can
show it as an IPython ``UsageError`` without a traceback.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class ConfigError(WorkbenchError, ValueError):
    """A server spec or config file is malformed, or names an unset ``${env:VAR}``."""


class ServerNotFoundError(WorkbenchError, KeyError):
    """No connected server has that name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ToolNotFoundError(WorkbenchError, KeyError):
    """The server has no tool, prompt or resource of that name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ArgumentError(WorkbenchError, ValueError):
    """Arguments do not match the tool's input schema."""


class ConnectionFailedError(WorkbenchError, ConnectionError):
    """A server could not be started or reached, or it died."""


class CallTimeoutError(WorkbenchError, TimeoutError):
    """A request did not finish within its timeout; it was cancelled."""


class ProtocolError(WorkbenchError):
    """The server answered with a JSON-RPC error or a malformed result."""


class MalformedMessageError(ProtocolError):
    """What a server sent is not a JSON-RPC message (a stdout line, a WebSocket frame): the
    pending requests fail with it at once instead of waiting for their timeout."""

    QUOTE = 200  # characters of the offending text quoted in the message

    def __init__(self, text: str, what: str, reason: str, advice: str = "") -> None:
        self.line = text
        quoted = repr(text[: self.QUOTE]) + (" …" if len(text) > self.QUOTE else "")
        super().__init__(f"the server {what} that is not JSON-RPC ({reason}): {quoted}" + (f"; {advice}" if advice else ""))

    @staticmethod
    def reason_for(text: str) -> str:
        """Why ``text`` (which failed JSON-RPC validation) is not a message: not JSON at all, or JSON
        of the wrong shape."""
        import json

        try:
            json.loads(text)
        except ValueError as exc:
            return f"not JSON: {getattr(exc, 'msg', exc)}"
        return "JSON, but not a valid JSON-RPC message"


class ConflictError(WorkbenchError):
    """A repository update used a stale version: another writer got there first."""


class DeadlockError(WorkbenchError, RuntimeError):
    """A blocking call was made from the engine's own thread, where it could never finish."""


class UnknownEventError(WorkbenchError, ValueError):
    """``on()`` was given an event name the emitter does not know (a typo, usually)."""


class CapabilityError(WorkbenchError):
    """The server did not advertise what the request needs, so it was not sent."""


class TaskError(WorkbenchError):
    """A task ended without a result: it failed (the server's error) or was cancelled."""
