"""``Repro``: the reproducibility part of the ``Workbench``.

record / replay cassettes, tools mapped over DataFrames, and history exported as a script. It
is handed the workbench (whose public API it calls: ``reconnect``, ``acall``, ``tool``,
``history``, ``on``, ``server_names``, ``server``) and the connection service, whose two hooks it
uses: the traffic monitor's taps (recording) and ``transport_override`` (replay).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import batch
from . import distributed as dask_map
from .cassette import Cassette
from ..views.display import CallProgress
from .export import export_history
from .recorder import ServerRecorder
from .replay import Replayer
from .doctor import DEFAULT_TIMEOUT_S as DOCTOR_TIMEOUT_S
from .doctor import DoctorReport, diagnose
from .lint import TOKEN_THRESHOLD, lint
from .verify import VerifyReport, verify
from ..errors import WorkbenchError


def _names(servers: str | Iterable[str] | None) -> list[str] | None:
    if servers is None:
        return None
    names = servers.split(",") if isinstance(servers, str) else list(servers)
    return [n.strip() for n in names if n.strip()]


if TYPE_CHECKING:
    from ..core.service import ServerService
    from ..facade import Workbench


class Repro:
    """``record`` / ``replay`` / ``stop_recording`` / ``stop_replay`` / ``map`` / ``amap`` /
    ``export_history`` and ``cassette``, for one workbench."""

    def __init__(self, wb: Workbench, service: ServerService) -> None:
        self._wb = wb
        self._service = service
        self.recording: Cassette | None = None
        self.recorders: dict[str, ServerRecorder] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self.replaying: Cassette | None = None
        self._previous_override: Any = None
        self._topic = f"mcp-workbench-calls-{uuid.uuid4().hex}"  # lazy dask maps send their calls here

    @property
    def cassette(self) -> Cassette | None:
        """The cassette in use: the one replaying, else the one recording."""
        return self.replaying or self.recording

    # ------------------------------------------------------------------ record
    def record(self, path: str | Path, servers: str | Iterable[str] | None = None, *, reconnect: bool = True) -> Cassette:
        self.stop_recording()
        names = _names(servers)
        monitor, wb = self._service.monitor, self._wb
        cassette = self.recording = Cassette.create(path, names)

        def attach(name: str) -> None:
            if name not in self.recorders and cassette.covers(name):
                recorder = self.recorders[name] = ServerRecorder(cassette, name, spec=lambda: self._safe_spec(name))
                monitor.tap_for(name).add(recorder.observe)

        for name in names if names is not None else [*wb.server_names(), *monitor.taps]:
            attach(name)
        if names is None:
            self._unsubscribe = wb.on("server_added", lambda event: attach(event["server"]))
        if reconnect:
            for name in list(self.recorders):
                if name in wb.server_names() and wb.server(name).status == "connected":
                    wb.reconnect(name)
        return cassette

    def stop_recording(self) -> Path | None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for name, recorder in list(self.recorders.items()):
            self._service.monitor.tap_for(name).remove(recorder.observe)
            recorder.flush()
        self.recorders.clear()
        cassette, self.recording = self.recording, None
        if cassette is None:
            return None
        cassette.close()
        return cassette.path

    # ------------------------------------------------------------------ replay
    def replay(self, path: str | Path, mode: str = "once") -> Cassette:
        self.stop_replay()
        cassette = Cassette.load(path, mode)
        service, wb = self._service, self._wb
        self.replaying, self._previous_override = cassette, service.transport_override
        service.transport_override = Replayer(cassette).override
        for name in wb.server_names():
            if wb.server(name).status == "connected" and (cassette.covers(name) or mode == "new_episodes"):
                wb.reconnect(name)
        return cassette

    def stop_replay(self) -> Path | None:
        cassette, self.replaying = self.replaying, None
        if cassette is None:
            return None
        self._service.transport_override = self._previous_override
        self._previous_override = None
        cassette.close()
        return cassette.path

    # ------------------------------------------------------------------ map
    def map(
        self, target: str, data: Any, /, *, columns: dict[str, Any] | None = None, constants: dict[str, Any] | None = None,
        concurrency: int = 16, rate_limit: float | None = None, retries: int = 0, retry_delay: float = 0.1,
        timeout: float | None = None, progress: bool = True, cluster: Any = None, **mapping: Any,
    ) -> Any:  # fmt: skip
        if cluster is not None or dask_map.is_dask_frame(data):
            options = {"concurrency": concurrency, "rate_limit": rate_limit, "retries": retries,
                       "retry_delay": retry_delay, "timeout": timeout}  # fmt: skip
            return self._map_on_dask(target, data, cluster, {**mapping, **(columns or {})}, constants, options, progress)
        frame, rows = self._map_rows(target, data, columns, constants, mapping)
        shell = _shell() if progress else None
        with CallProgress(shell, f"map {target} over {len(rows)} rows", submit=self._wb.submit, delay=0.2) as bar:
            outcomes = self._wb.engine.run(batch.run_rows(
                self._wb, target, rows, concurrency=concurrency, rate_limit=rate_limit, retries=retries,
                retry_delay=retry_delay, timeout=timeout, on_done=bar.handler,
            ))  # fmt: skip
        return batch.outcomes_frame(outcomes, frame.index)

    async def amap(
        self, target: str, data: Any, /, *, columns: dict[str, Any] | None = None, constants: dict[str, Any] | None = None,
        concurrency: int = 16, rate_limit: float | None = None, retries: int = 0, retry_delay: float = 0.1,
        timeout: float | None = None, cluster: Any = None, **mapping: Any,
    ) -> Any:  # fmt: skip
        if cluster is not None or dask_map.is_dask_frame(data):  # Dask's client blocks: wait in a thread
            return await asyncio.to_thread(self.map, target, data, columns=columns, constants=constants,
                                           concurrency=concurrency, rate_limit=rate_limit, retries=retries,
                                           retry_delay=retry_delay, timeout=timeout, progress=False, cluster=cluster,
                                           **mapping)  # fmt: skip
        frame, rows = self._map_rows(target, data, columns, constants, mapping)
        outcomes = await self._wb.engine.arun(batch.run_rows(
            self._wb, target, rows, concurrency=concurrency, rate_limit=rate_limit, retries=retries,
            retry_delay=retry_delay, timeout=timeout,
        ))  # fmt: skip
        return batch.outcomes_frame(outcomes, frame.index)

    def _map_rows(
        self, target: str, data: Any, columns: dict[str, Any] | None, constants: dict[str, Any] | None,
        mapping: dict[str, Any],
    ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:  # fmt: skip
        frame = batch.as_frame(data)
        return frame, batch.row_arguments(self._wb, target, frame, {**mapping, **(columns or {})}, constants)

    def _map_on_dask(
        self, target: str, data: Any, cluster: Any, mapping: dict[str, Any], constants: dict[str, Any] | None,
        options: dict[str, Any], progress: bool,
    ) -> Any:  # fmt: skip
        """A dask DataFrame -> a lazy dask DataFrame; a pandas one with ``cluster=`` -> pandas, in order."""
        distributed = dask_map.require_dask()
        schema = getattr(self._wb.tool(target), "input_schema", None) or {}
        if dask_map.is_dask_frame(data):
            plan = batch.argument_plan(schema, target, list(data.columns), mapping, constants)
            return dask_map.map_lazy(self._wb, data, target, plan, options, self._service.log, self._topic)
        if not isinstance(cluster, distributed.Client):
            raise WorkbenchError(f"cluster= takes a dask.distributed Client (e.g. Client(LocalCluster()) or "
                                 f"Client('tcp://scheduler:8786')), got {type(cluster).__name__}")  # fmt: skip
        frame = batch.as_frame(data)
        job = dask_map.make_job(self._wb, target, batch.argument_plan(schema, target, list(frame.columns), mapping,
                                                                      constants), options)  # fmt: skip
        workers = len(cluster.scheduler_info()["workers"])
        shell = _shell() if progress else None
        label = f"map {target} over {len(frame)} rows on {workers} Dask worker{'s' * (workers != 1)}"
        with CallProgress(shell, label, submit=self._wb.submit, delay=0.2) as bar:
            return dask_map.map_eager(cluster, job, frame, self._service.log, bar.handler)

    # ------------------------------------------------------------------ export
    def export_history(self, path: str | Path, *, server: str | None = None, last: int | None = None) -> Path:
        return export_history(self._wb, path, server=server, last=last)

    # ------------------------------------------------------------------ the server author's bench
    def verify(
        self, cassette: str | Path, *, servers: Mapping[str, str | Mapping[str, Any]] | None = None,
        ignore: Iterable[str] = (), connect: bool = False, timeout: float | None = None,
    ) -> VerifyReport:  # fmt: skip
        return verify(self._wb, cassette, servers=servers, ignore=ignore, connect=connect, timeout=timeout)

    def lint(self, server: str, *, cassette: str | Path | None = None, token_threshold: int = TOKEN_THRESHOLD) -> pd.DataFrame:
        if cassette is None and self.cassette is not None:
            cassette = self.cassette.path
        return lint(self._wb, server, cassette=cassette, token_threshold=token_threshold)

    def doctor(self, url: str, *, headers: dict[str, str] | None = None, timeout: float = DOCTOR_TIMEOUT_S) -> DoctorReport:
        return self._wb.engine.run(diagnose(url, headers=headers, timeout=timeout))

    def _safe_spec(self, name: str) -> dict[str, Any] | None:
        """How ``name`` was started or reached, secrets masked (kept in cassettes for verify)."""
        return self._wb.server(name).spec.to_safe_dict() if name in self._wb.server_names() else None


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return None
    return get_ipython()
