"""``wb.map`` on Dask: ``cluster=client`` with a pandas DataFrame (an eager job, rows back in
order), or a dask DataFrame in -> a lazy dask DataFrame out.

What travels to the workers is a small job: the server's connect options as the kernel wrote
them (``repro.export.connect_options``: every env and header value a ``${env:VAR}`` reference,
never a value), the tool, the argument plan (column -> parameter) and the map's options. Each
worker connects once and reuses the connection (``cluster_worker``). The calls come back
batched, with each chunk's results (eager) or as worker events the kernel subscribes to
(lazy), into the kernel's call log, so ``wb.history()`` and the catalog show them. Dask is an
optional extra, imported only here and only when asked for.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..core.config import env_references
from ..core.history import CallRecord
from ..errors import WorkbenchError
from . import cluster_worker
from .batch import RESULT_COLUMNS, ArgumentPlan, OnDone
from .export import connect_options

if TYPE_CHECKING:
    from ..core.history import CallLog
    from ..facade import Workbench

INSTALL_HINT = "pip install 'mcp-workbench[dask]'"
_CHUNKS_PER_THREAD = 4  # chunks per worker thread: load balancing, and a lost worker costs little
_SCHEMA_DTYPES = {"integer": "Int64", "number": "float64", "boolean": "boolean"}


def require_dask() -> Any:
    """``distributed``, or a one-line error saying what to install."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed
    except ImportError as exc:
        raise WorkbenchError(f"wb.map on Dask needs dask[distributed] ({exc.name} is missing): {INSTALL_HINT}") from None
    return distributed


def is_dask_frame(data: Any) -> bool:
    """A dask DataFrame, recognised without importing Dask."""
    return type(data).__module__.startswith("dask") and hasattr(data, "map_partitions")


def make_job(wb: Workbench, target: str, plan: ArgumentPlan, options: dict[str, Any]) -> dict[str, Any]:
    """What every chunk's task carries: no secret values, only references (see the module doc)."""
    server, tool = wb.resolve(target)
    spec = wb.server(server).spec
    connect = {**connect_options(spec), "connect_timeout": spec.connect_timeout}
    key = hashlib.sha256(json.dumps([server, connect], sort_keys=True, default=str).encode()).hexdigest()[:16]
    return {"server": server, "target": f"{server}.{tool.name}", "connect": connect, "key": key,
            "plan": {"from_columns": plan.from_columns, "constants": plan.constants}, "options": options}  # fmt: skip


def needed_env(job: dict[str, Any]) -> list[str]:
    """The environment variables the workers must have (the references in the connect options)."""
    return sorted(set(env_references(json.dumps(job["connect"]))))


def _missing_env(names: list[str]) -> list[str]:  # runs on each worker
    import os

    return [n for n in names if n not in os.environ]


def preflight(client: Any, job: dict[str, Any]) -> None:
    """Before any task: every worker has the variables the server's spec refers to."""
    names = needed_env(job)
    if not names:
        return
    missing = {n for lacking in client.run(_missing_env, names).values() for n in lacking}
    if missing:
        raise WorkbenchError(
            f"the Dask workers lack environment variable{'s' * (len(missing) > 1)} {', '.join(sorted(missing))} "
            f"that server {job['server']!r} needs (secrets travel only as ${{env:VAR}} references, resolved on "
            "each worker): set them where the workers start"
        )


def receive(log: CallLog, records: list[Any]) -> None:
    """The workers' calls, into the kernel's call log (the catalog persists them in batches)."""
    for at, server, tool, arguments, status, duration, error, kind, preview in records:
        log.append(CallRecord(at, server, tool, arguments, status, duration, error, kind, preview))


def map_eager(
    client: Any, job: dict[str, Any], frame: pd.DataFrame, log: CallLog, on_done: OnDone | None = None
) -> pd.DataFrame:
    """Run ``job`` over ``frame`` in chunks on ``client``'s workers; rows back in order, one bar."""
    distributed = require_dask()
    preflight(client, job)
    threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()) or 1
    count = max(1, min(len(frame), threads * _CHUNKS_PER_THREAD))
    bounds = [round(i * len(frame) / count) for i in range(count + 1)]
    chunks = [frame.iloc[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]
    options = dict(job["options"])
    if options.get("rate_limit"):  # one limit for the whole job, shared by the chunks running at once
        options["rate_limit"] = options["rate_limit"] / min(threads, len(chunks))
    job = {**job, "options": options}
    tag = uuid.uuid4().hex[:8]
    futures = [client.submit(cluster_worker.run_chunk, chunk, job, key=f"mcp-map-{tag}-{i}", pure=False)
               for i, chunk in enumerate(chunks)]  # fmt: skip
    position = {f.key: i for i, f in enumerate(futures)}
    results: list[pd.DataFrame | None] = [None] * len(chunks)
    done = failed = 0
    try:
        for future in distributed.as_completed(futures):
            i = position[future.key]
            try:
                part, records = future.result()
            except Exception as exc:  # noqa: BLE001 - a task that died whole: its rows keep the error
                part = _failed_rows(chunks[i].index, f"{type(exc).__name__}: {exc}")
                records = []
            receive(log, records)
            results[i] = part
            done += len(part)
            failed += int(part["is_error"].sum())
            if on_done is not None:
                on_done(done, len(frame), f"{failed} failed" if failed else None)
    except BaseException:
        client.cancel(futures)
        raise
    return _ordered(pd.concat(results))


def map_lazy(
    wb: Workbench, ddf: Any, target: str, plan: ArgumentPlan, options: dict[str, Any], log: CallLog, topic: str
) -> Any:
    """A lazy dask DataFrame: one partition of results per partition of ``ddf``."""
    distributed = require_dask()
    job = make_job(wb, target, plan, options)
    meta = result_meta(getattr(wb.tool(target), "output_schema", None))
    job.update(meta={"columns": list(meta.columns), "dtypes": {c: str(t) for c, t in meta.dtypes.items()}}, topic=topic)
    client = subscribe(distributed, topic, lambda records: receive(log, records))
    if client is not None:
        preflight(client, job)
    return ddf.map_partitions(cluster_worker.run_chunk, job, meta=meta)


def subscribe(distributed: Any, topic: str, handler: Callable[[list[Any]], None]) -> Any:
    """Hear the chunks' calls: as events from workers of the default client (returned), and
    directly from chunks computed in this process (the local scheduler)."""
    cluster_worker.LOCAL_RECEIVERS[topic] = handler
    try:
        client = distributed.default_client()
    except ValueError:
        return None  # no cluster yet: chunks run here (or calls made elsewhere stay there)
    client.subscribe_topic(topic, lambda event: handler(event[1]))
    return client


def result_meta(output_schema: dict[str, Any] | None) -> pd.DataFrame:
    """The columns of a lazy map: those of a local map (structured fields from the tool's output
    schema, or the structured value whole under ``structured`` when it has none) plus ``worker``."""
    fields: dict[str, str] = {}
    if output_schema and isinstance(output_schema.get("properties"), dict):
        fields = _schema_fields(output_schema["properties"])
        fields = {(f"structured.{k}" if k in RESULT_COLUMNS else k): v for k, v in fields.items()}
    else:
        fields = {"structured": "object"}
    dtypes = {"text": "object", **fields, "is_error": "bool", "error": "object", "attempts": "int64",
              "duration_ms": "float64", "worker": "object"}  # fmt: skip
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})


def _schema_fields(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for name, schema in properties.items():
        schema = schema if isinstance(schema, dict) else {}
        if schema.get("type") == "object" and isinstance(schema.get("properties"), dict) and schema["properties"]:
            out.update(_schema_fields(schema["properties"], f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = _SCHEMA_DTYPES.get(str(schema.get("type")), "object")
    return out


def _failed_rows(index: pd.Index, error: str) -> pd.DataFrame:
    return pd.DataFrame({"text": [None] * len(index), "is_error": True, "error": error, "attempts": 0,
                         "duration_ms": 0.0, "worker": None}, index=index)  # fmt: skip


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns as a local map has them, then ``worker``."""
    fixed = [*RESULT_COLUMNS[1:], "worker"]
    extra = [c for c in frame.columns if c not in ("text", *fixed)]
    return frame[["text", *extra, *fixed]].astype({"attempts": "int64"})
