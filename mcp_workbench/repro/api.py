"""``ReproAPI``: the reproducibility methods of ``Workbench`` (a mixin the facade inherits).

record / replay cassettes, tools mapped over DataFrames, and history exported as a script. It
uses the facade's ``engine``, ``registry``, ``monitor``, ``on``, ``reconnect``, ``acall``,
``history``, ``tool`` and ``transport_override``; its own state is made on first use, so the
facade's ``__init__`` needs no change. ``repro(wb)`` gives these methods on any ``Workbench``,
also one whose class does not inherit them yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import batch
from .cassette import Cassette
from ..views.display import CallProgress
from .export import export_history
from .recorder import ServerRecorder
from .replay import Replayer
from .doctor import DEFAULT_TIMEOUT_S as DOCTOR_TIMEOUT_S
from .doctor import DoctorReport, connect_summary, diagnose
from .lint import TOKEN_THRESHOLD, lint
from .verify import VerifyReport, verify


@dataclass
class ReproState:
    recording: Cassette | None = None
    recorders: dict[str, ServerRecorder] = field(default_factory=dict)
    unsubscribe: Callable[[], None] | None = None
    replaying: Cassette | None = None
    previous_override: Any = None


def _names(servers: str | Iterable[str] | None) -> list[str] | None:
    if servers is None:
        return None
    names = servers.split(",") if isinstance(servers, str) else list(servers)
    return [n.strip() for n in names if n.strip()]


if TYPE_CHECKING:  # what the mixin expects of the class it joins
    from ..core.service import WorkbenchCore as _Facade
else:
    _Facade = object


class ReproAPI(_Facade):
    """``wb.record`` / ``replay`` / ``stop_recording`` / ``stop_replay`` / ``map`` / ``amap`` /
    ``export_history`` and ``wb.cassette``."""

    @property
    def _repro(self) -> ReproState:
        home = self.__dict__.get("_repro_target_", self).__dict__  # on the workbench, also via repro(wb)
        state = home.get("_repro_state_")
        if state is None:
            state = home["_repro_state_"] = ReproState()
        return state

    @property
    def cassette(self) -> Cassette | None:
        """The cassette in use: the one replaying, else the one recording (the chat records model
        turns through it: ``record_model_turn`` / ``lookup_model_turn``)."""
        return self._repro.replaying or self._repro.recording

    # ------------------------------------------------------------------ record
    def record(self, path: str | Path, servers: str | Iterable[str] | None = None, *, reconnect: bool = True) -> Cassette:
        """Write every request and response of ``servers`` (None: every server, also ones connected
        later) to a JSON Lines cassette at ``path`` (replaced), secrets masked.

        A replay starts at the handshake, so servers already connected are reconnected
        (``reconnect=False`` keeps them, and their handshake stays out of the cassette)."""
        self.stop_recording()
        names = _names(servers)
        state = self._repro
        cassette = state.recording = Cassette.create(path, names)

        def attach(name: str) -> None:
            if name not in state.recorders and cassette.covers(name):
                recorder = state.recorders[name] = ServerRecorder(cassette, name, spec=lambda: self._safe_spec(name))  # bench
                self.monitor.tap_for(name).add(recorder.observe)

        for name in names if names is not None else [*self.registry.names(), *self.monitor.taps]:
            attach(name)
        if names is None:
            state.unsubscribe = self.on("server_added", lambda event: attach(event["server"]))
        if reconnect:
            for name in list(state.recorders):
                if name in self.registry and self.registry.get(name).status == "connected":
                    self.reconnect(name)
        return cassette

    def stop_recording(self) -> Path | None:
        """Stop recording; requests still open (subscriptions) are written. Returns the cassette's path."""
        state = self._repro
        if state.unsubscribe is not None:
            state.unsubscribe()
            state.unsubscribe = None
        for name, recorder in list(state.recorders.items()):
            self.monitor.tap_for(name).remove(recorder.observe)
            recorder.flush()
        state.recorders.clear()
        cassette, state.recording = state.recording, None
        if cassette is None:
            return None
        cassette.close()
        return cassette.path

    # ------------------------------------------------------------------ replay
    def replay(self, path: str | Path, mode: str = "once") -> Cassette:
        """Serve the servers of a cassette from it: no process is started, no URL reached.

        ``mode="once"``: a request the cassette lacks is an error naming it; ``"new_episodes"``:
        it goes to the real server and is appended. Servers already connected are reconnected
        so they are served from the cassette too."""
        self.stop_replay()
        cassette = Cassette.load(path, mode)
        state = self._repro
        state.replaying, state.previous_override = cassette, self.transport_override
        self.transport_override = Replayer(cassette).override
        for name in self.registry.names():
            if self.registry.get(name).status == "connected" and (cassette.covers(name) or mode == "new_episodes"):
                self.reconnect(name)
        return cassette

    def stop_replay(self) -> Path | None:
        """Stop replaying: connections made from now on reach the real servers."""
        state = self._repro
        cassette, state.replaying = state.replaying, None
        if cassette is None:
            return None
        self.transport_override = state.previous_override
        state.previous_override = None
        cassette.close()
        return cassette.path

    # ------------------------------------------------------------------ map
    def map(
        self, target: str, data: Any, /, *, columns: dict[str, Any] | None = None, constants: dict[str, Any] | None = None,
        concurrency: int = 16, rate_limit: float | None = None, retries: int = 0, retry_delay: float = 0.1,
        timeout: float | None = None, progress: bool = True, **mapping: Any,
    ) -> pd.DataFrame:  # fmt: skip
        """Call ``server.tool`` once per row of ``data``: ``wb.map("demo.add", df, a="col_a", b="col_b")``.

        A keyword names the column for a parameter (or gives a constant that is not a string;
        string constants go in ``constants=``, clashing names in ``columns=``); parameters named
        like a column need no keyword. At most ``concurrency`` calls run at once, at most
        ``rate_limit`` start per second; a failed row is retried ``retries`` times (backoff from
        ``retry_delay`` s). Returns one row per input row, same index: ``text``, structured
        fields as columns, ``is_error``, ``error``, ``attempts``, ``duration_ms``."""
        frame, rows = self._map_rows(target, data, columns, constants, mapping)
        shell = _shell() if progress else None
        with CallProgress(shell, f"map {target} over {len(rows)} rows", delay=0.2) as bar:
            outcomes = self.engine.run(batch.run_rows(
                self, target, rows, concurrency=concurrency, rate_limit=rate_limit, retries=retries,
                retry_delay=retry_delay, timeout=timeout, on_done=bar.handler,
            ))  # fmt: skip
        return batch.outcomes_frame(outcomes, frame.index)

    async def amap(
        self, target: str, data: Any, /, *, columns: dict[str, Any] | None = None, constants: dict[str, Any] | None = None,
        concurrency: int = 16, rate_limit: float | None = None, retries: int = 0, retry_delay: float = 0.1,
        timeout: float | None = None, **mapping: Any,
    ) -> pd.DataFrame:  # fmt: skip
        """Async twin of ``map`` (no progress bar: the cell's own loop keeps running)."""
        frame, rows = self._map_rows(target, data, columns, constants, mapping)
        outcomes = await self.engine.arun(batch.run_rows(
            self, target, rows, concurrency=concurrency, rate_limit=rate_limit, retries=retries,
            retry_delay=retry_delay, timeout=timeout,
        ))  # fmt: skip
        return batch.outcomes_frame(outcomes, frame.index)

    def _map_rows(
        self, target: str, data: Any, columns: dict[str, Any] | None, constants: dict[str, Any] | None,
        mapping: dict[str, Any],
    ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:  # fmt: skip
        frame = batch.as_frame(data)
        return frame, batch.row_arguments(self, target, frame, {**mapping, **(columns or {})}, constants)

    # ------------------------------------------------------------------ export
    def export_history(self, path: str | Path, *, server: str | None = None, last: int | None = None) -> Path:
        """Write the calls of ``history(server=, last=)`` as a runnable Python script."""
        return export_history(self, path, server=server, last=last)

    # ------------------------------------------------------------------ bench: delegates (the lead ports these)
    def verify(
        self, cassette: str | Path, *, servers: Mapping[str, str | Mapping[str, Any]] | None = None,
        ignore: Iterable[str] = (), connect: bool = False, timeout: float | None = None,
    ) -> VerifyReport:  # fmt: skip
        """Re-run a cassette's requests against the live servers and compare (``repro/verify.py``).

        ``servers={"demo": "demo2"}`` maps a recorded server to a connected one (or to connect
        options, ``{"demo": {"command": ...}}``); ``connect=True`` connects the recorded servers
        the way the cassette says they were reached, and disconnects them afterwards. ``ignore``
        drops volatile fields first (``["$..time", "$.structuredContent.id"]``). Returns a
        DataFrame (server, method, target, status same|changed|missing|error, diff, recorded_ms,
        live_ms, note) with ``.ok``, ``.summary`` and ``.text()``."""
        return verify(self, cassette, servers=servers, ignore=ignore, connect=connect, timeout=timeout)

    def lint(self, server: str, *, cassette: str | Path | None = None, token_threshold: int = TOKEN_THRESHOLD) -> pd.DataFrame:
        """What in ``server``'s tools and prompts will trip up clients and models (``repro/lint.py``).

        A DataFrame (severity error|warning|info, kind, name, rule, message), errors first; empty
        when clean. Rules: name-syntax, model-name, duplicate-name, missing-description,
        input-/output-schema-invalid, required-not-in-properties, annotations-conflict,
        too-many-tokens (above ``token_threshold``), and structured-output-mismatch for the
        recorded calls of ``cassette`` (default: the cassette being recorded or replayed)."""
        if cassette is None and self.cassette is not None:
            cassette = self.cassette.path
        return lint(self, server, cassette=cassette, token_threshold=token_threshold)

    def doctor(self, url: str, *, headers: dict[str, str] | None = None, timeout: float = DOCTOR_TIMEOUT_S) -> DoctorReport:
        """Why a remote server does not connect (``repro/doctor.py``): one row per stage, in order
        (url, dns, tcp, tls, http, protected-resource metadata, authorization-server metadata,
        initialize/discover, protocol version, listings) with status ok|fail|skipped, ms, detail
        and advice; ``.ok`` and ``.summary`` (the first failure in one line)."""
        return self.engine.run(diagnose(url, headers=headers, timeout=timeout))

    async def connect_doctor(self, spec: Any) -> str | None:
        """For a failed URL connect (``WorkbenchCore.connect_doctor``): the doctor's one-line summary."""
        return await connect_summary(spec)

    def _safe_spec(self, name: str) -> dict[str, Any] | None:
        """How ``name`` was started or reached, secrets masked (kept in cassettes for verify)."""
        conn = self.registry.lookup(name)
        return conn.spec.to_safe_dict() if conn is not None else None


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return None
    return get_ipython()


class _Proxy(ReproAPI):
    """``ReproAPI`` over a workbench whose class does not inherit it: the rest is forwarded."""

    def __init__(self, wb: Any) -> None:
        object.__setattr__(self, "_repro_target_", wb)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_repro_target_"], name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.__dict__["_repro_target_"], name, value)


def repro(wb: Any) -> ReproAPI:
    """The reproducibility API of ``wb`` (the magics use it, so they work before the facade inherits it)."""
    return wb if isinstance(wb, ReproAPI) else _Proxy(wb)
