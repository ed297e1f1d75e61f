"""Cassettes: a JSON Lines file of every request and response of chosen servers, secrets masked.

Why a cassette and not a trace: a notebook that someone re-runs later must get the same answers
with no server (and no model) present. So each line is one *interaction*, keyed by what the
client asked (server, method, params without ``_meta``), holding what came back: the response,
and the notifications and server-to-client requests that arrived while it was pending (progress,
logging, sampling...). Replay (``replay.py``) serves them back by key, in recorded order.

Lines: a ``header`` (format, time, selected servers), then ``call`` lines (MCP) and ``model``
lines (chat model turns, written by the chat through ``record_model_turn``).
"""

from __future__ import annotations

import difflib
import json
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import mcp_types as types

from ..errors import WorkbenchError
from ..core.secrets import MASK, is_reference, is_secret_key, mask_text

FORMAT = 1


class CassetteError(WorkbenchError):
    """A cassette cannot be read or written, or it lacks what replay was asked for."""


def scrub(value: Any, key: str | None = None) -> Any:
    """Mask secrets in JSON: known secret values anywhere, and strings under secret-looking keys.

    Only strings are masked by key: ``maxTokens: 20`` is a setting, and a schema under a
    property called ``api_key`` is a schema; replacing either would break replay.
    """
    if isinstance(value, str):
        if key is not None and value and value != MASK and not is_reference(value) and is_secret_key(key):
            return MASK
        return mask_text(value)
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def plain(message: Any) -> dict[str, Any]:
    """A JSON-RPC message (pydantic) as the dict it is on the wire."""
    return message.model_dump(by_alias=True, exclude_none=True, mode="json")


HANDSHAKE = ("initialize", "server/discover")


def request_params(method: str, params: Any) -> dict[str, Any]:
    """What identifies a request: its params without ``_meta`` (ids, tokens, client info), masked.
    A handshake matches by method alone: its params name the client (its version, its
    capabilities), and a newer workbench must still replay an older cassette."""
    if not isinstance(params, dict) or method in HANDSHAKE:
        return {}
    return scrub({k: v for k, v in params.items() if k != "_meta"})


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _wildcard_equal(recorded: Any, actual: Any) -> bool:
    """Equal, where a masked ``***`` in the recording stands for any string."""
    if recorded == MASK and isinstance(actual, str):
        return True
    if isinstance(recorded, dict) and isinstance(actual, dict):
        return recorded.keys() == actual.keys() and all(_wildcard_equal(recorded[k], actual[k]) for k in recorded)
    if isinstance(recorded, list) and isinstance(actual, list):
        return len(recorded) == len(actual) and all(_wildcard_equal(r, a) for r, a in zip(recorded, actual))
    return recorded == actual


class _Track:
    """The recordings of one key, served in order; the last one repeats once they run out
    (re-running a cell must not fail because the cassette was recorded with one run)."""

    __slots__ = ("entries", "next")

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.next = 0

    def take(self) -> dict[str, Any]:
        entry = self.entries[min(self.next, len(self.entries) - 1)]
        self.next += 1
        return entry


class Cassette:
    """One cassette file: written while recording, indexed while replaying (or both)."""

    def __init__(self, path: str | Path, *, servers: Iterable[str] | None = None) -> None:
        self.path = Path(path)
        self.servers: set[str] | None = set(servers) if servers is not None else None  # None: every server
        self.recording = False
        self.replaying = False
        self.mode: str | None = None
        self._tracks: dict[tuple[str, ...], _Track] = {}
        self._seen_servers: set[str] = set()
        self.specs: dict[str, dict[str, Any]] = {}  # server -> how it was reached (secrets masked)
        self._file: IO[str] | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ opening
    @classmethod
    def create(cls, path: str | Path, servers: Iterable[str] | None = None) -> Cassette:
        """A new cassette (an existing file is replaced), open for recording."""
        cassette = cls(path, servers=servers)
        cassette.path.parent.mkdir(parents=True, exist_ok=True)
        header = {"type": "header", "format": FORMAT, "created": time.time(),
                  "servers": sorted(cassette.servers) if cassette.servers is not None else None}  # fmt: skip
        cassette._file = cassette.path.open("w", encoding="utf-8")
        cassette._write_line(header)
        cassette.recording = True
        return cassette

    @classmethod
    def load(cls, path: str | Path, mode: str = "once") -> Cassette:
        """Read a cassette for replay; ``new_episodes`` also opens it for appending (created if missing)."""
        if mode not in ("once", "new_episodes"):
            raise CassetteError(f"replay mode must be 'once' or 'new_episodes', got {mode!r}")
        path = Path(path)
        if not path.exists():
            if mode == "once":
                raise _missing(path)
            cassette = cls.create(path)
        else:
            cassette = cls(path)
            cassette._read()
            if mode == "new_episodes":
                cassette._file = path.open("a", encoding="utf-8")
                cassette.recording = True
        cassette.replaying, cassette.mode = True, mode
        return cassette

    def _read(self) -> None:
        for entry in read_entries(self.path):
            kind = entry.get("type")
            if kind == "header":
                self.servers = set(entry["servers"]) if entry.get("servers") is not None else None
            elif kind in ("call", "model"):
                self._index(entry)
            elif kind == "server":
                self.specs[entry["server"]] = entry.get("spec") or {}

    def _index(self, entry: dict[str, Any]) -> _Track:
        if entry["type"] == "call":
            self._seen_servers.add(entry["server"])
            key: tuple[str, ...] = ("call", entry["server"], entry["method"], canonical(entry["params"]))
        else:
            key = ("model", canonical(entry["request"]))
        track = self._tracks.get(key)
        if track is None:
            track = self._tracks[key] = _Track()
        track.entries.append(entry)
        return track

    # ------------------------------------------------------------------ writing
    def _write_line(self, entry: dict[str, Any]) -> None:
        assert self._file is not None
        self._file.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
        self._file.flush()

    def write(self, entry: dict[str, Any]) -> None:
        """Append one interaction (masked here); while replaying it also becomes servable."""
        entry = scrub(entry)
        with self._lock:
            if self._file is None:
                return  # stopped: late answers are dropped
            self._write_line(entry)
            if self.replaying:
                self._index(entry).next += 1  # this one was just served live; later repeats may use it

    def write_spec(self, server: str, spec: dict[str, Any]) -> None:
        """Note how ``server`` was started or reached (masked), so ``verify(connect=True)`` can again."""
        self.specs[server] = spec
        self.write({"type": "server", "server": server, "spec": spec})

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
        self.recording = False

    # ------------------------------------------------------------------ replaying
    def covers(self, server: str) -> bool:
        """Does replay answer for ``server``? (A cassette of chosen servers leaves the others real.)"""
        return self.servers is None or server in self.servers or server in self._seen_servers

    def take(self, server: str, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """The next recorded interaction for this request, or None."""
        with self._lock:
            track = self._tracks.get(("call", server, method, canonical(params)))
            if track is None:  # a secret masked at recording time matches any value now
                track = next(
                    (t for k, t in self._tracks.items()
                     if k[:3] == ("call", server, method) and _wildcard_equal(t.entries[0]["params"], params)),
                    None,
                )  # fmt: skip
            return track.take() if track is not None else None

    def miss_message(self, server: str, method: str, params: dict[str, Any], way_out: str | None = None) -> str:
        """The request named in full, with the closest recorded one of the same method, and what to do."""
        asked = canonical(params)
        recorded = [k[3] for k in self._tracks if k[:3] == ("call", server, method)]
        close = difflib.get_close_matches(asked, recorded, n=1, cutoff=0.0)
        hint = f"; closest recorded: {close[0][:200]}" if close else f"; the cassette has no {method} for {server!r}"
        way_out = way_out or "record it again, or replay with mode='new_episodes' / --new-episodes to pass it through"
        return f"not in the cassette {self.path.name}: {server} {method} {asked[:300]}{hint} ({way_out})"

    # ------------------------------------------------------------------ chat model turns
    def record_model_turn(self, request: dict[str, Any], response: dict[str, Any]) -> None:
        """For the chat: store one model request (messages, tools, model...) and its answer."""
        self.write({"type": "model", "time": time.time(), "request": scrub(request), "response": response})

    def lookup_model_turn(self, request: dict[str, Any]) -> dict[str, Any] | None:
        """For the chat: the recorded answer to this model request (in order), else None in
        ``new_episodes`` mode (ask the model, then ``record_model_turn``); ``once`` raises."""
        with self._lock:
            track = self._tracks.get(("model", canonical(scrub(request))))
            if track is not None:
                return track.take()["response"]
        if self.mode == "once":
            raise CassetteError(
                f"not in the cassette {self.path.name}: model request {canonical(scrub(request))[:300]} "
                "(record it again, or replay with mode='new_episodes')"
            )
        return None

    def __repr__(self) -> str:
        state = ", ".join(s for s, on in (("recording", self.recording), (f"replaying {self.mode}", self.replaying)) if on)
        return f"<Cassette {str(self.path)!r} ({state or 'closed'})>"


def _missing(path: Path) -> CassetteError:
    return CassetteError(f"no cassette at {str(path)!r}: record one first with wb.record(path) / %mcp record")


def read_entries(path: str | Path) -> Iterator[dict[str, Any]]:
    """The lines of a cassette file, in order, the header checked first; a damaged line or a
    foreign file is a ``CassetteError`` naming the line."""
    path = Path(path)
    if not path.is_file():
        raise _missing(path)
    first = True
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError as exc:
                raise CassetteError(f"{path}:{number} is not JSON ({exc}); the cassette is damaged") from None
            if not isinstance(entry, dict) or (first and entry.get("type") != "header"):
                raise CassetteError(f"{path}:{number}: not a cassette line (a cassette starts with its header line)")
            first = False
            if entry.get("type") == "header" and entry.get("format") != FORMAT:
                raise CassetteError(f"{path}: cassette format {entry.get('format')!r} is not {FORMAT}")
            yield entry


def message_kind(message: Any) -> str:
    """request | notification | response (an error is a response too)."""
    if isinstance(message, types.JSONRPCRequest):
        return "request"
    if isinstance(message, types.JSONRPCNotification):
        return "notification"
    return "response"
