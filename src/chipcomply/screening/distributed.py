"""Batch screening on a Dask cluster: ``screen-batch INPUT --output OUT --dask SCHEDULER``.

``SCHEDULER`` is a scheduler address (``tcp://host:8786``, ``host:8786``) or ``local:N`` for a
``dask.distributed.LocalCluster`` of N worker processes started for the run.

How a run goes:

- The client reads INPUT exactly as the single-process run does (same row numbers, same
  row-level problems) and groups the rows into partitions of ``PARTITION_ROWS``.
- The screener (the built index over the active lists) is pickled once and shipped to every
  worker by a worker plugin, so each worker loads the index once, workers that join later
  (a restarted worker) get it too, and every worker screens against exactly the client's
  list snapshots, whatever is installed on its machine.
- Partitions stream through the cluster with at most a few per worker in flight; results
  come back to the client and are written in input order through the same resumable writer
  as the single-process run, so the output is identical row for row and a crash of the
  client resumes where it stopped.
- A worker that dies takes its running partitions with it; the scheduler runs them again
  on another worker (up to ``distributed.scheduler.allowed-failures`` times). A partition's
  result is written once, when it arrives, so no row is lost or written twice.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import secrets
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chipcomply.errors import BadInput, ChipcomplyError
from chipcomply.screening.api import Screener
from chipcomply.screening.batch import Row, _screen_row

if TYPE_CHECKING:
    from distributed import Client

PARTITION_ROWS = 2048
#: partitions in flight per worker: enough to keep it busy while results travel back
IN_FLIGHT_PER_WORKER = 3
CONNECT_TIMEOUT = "10s"
MAX_LOCAL_WORKERS = 256

_LOCAL = re.compile(r"local:(\d+)")
_ADDRESS = re.compile(r"(?:(tcp|tls|ws|wss|inproc)://)?([A-Za-z0-9.\-_\[\]:]+?):(\d{1,5})/?")


@dataclass(frozen=True)
class SchedulerSpec:
    """Where to run: a local cluster of ``local_workers`` workers, or a scheduler address."""

    local_workers: int | None = None
    address: str | None = None

    def __str__(self) -> str:
        return f"local:{self.local_workers}" if self.local_workers else str(self.address)


def parse_scheduler(value: str, field: str = "--dask") -> SchedulerSpec:
    """``local:N`` or a scheduler address; anything else is bad input naming the field."""
    text = (value or "").strip()
    if text.startswith("local"):
        m = _LOCAL.fullmatch(text)
        if m is None or not 1 <= int(m.group(1)) <= MAX_LOCAL_WORKERS:
            raise BadInput(
                field,
                f"expected local:N with N from 1 to {MAX_LOCAL_WORKERS}, or a scheduler "
                f"address such as tcp://host:8786; got {value!r}",
            )
        return SchedulerSpec(local_workers=int(m.group(1)))
    m = _ADDRESS.fullmatch(text)
    if m is None or not 0 < int(m.group(3)) < 65536:
        raise BadInput(
            field,
            f"expected a scheduler address such as tcp://host:8786, or local:N; got {value!r}",
        )
    scheme = m.group(1) or "tcp"
    return SchedulerSpec(address=f"{scheme}://{m.group(2)}:{int(m.group(3))}")


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise BadInput(
            "--dask",
            "Dask is not installed; install the extra: pip install 'chipcomply[dask]'",
        ) from None
    return distributed


@contextmanager
def dask_client(spec: SchedulerSpec) -> Iterator[Client]:
    """A connected client: to the given scheduler, or to a local cluster started here."""
    distributed = _import_distributed()
    if spec.local_workers is not None:
        cluster = distributed.LocalCluster(
            n_workers=spec.local_workers,
            threads_per_worker=1,  # the screener is pure Python: one thread per process
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            # no dashboard; the scheduler's small HTTP endpoint on a free loopback port
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.ERROR,
        )
        try:
            with distributed.Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = distributed.Client(spec.address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise BadInput(
            "--dask", f"cannot reach the Dask scheduler at {spec.address} ({exc})"
        ) from None
    try:
        yield client
    finally:
        client.close()


# ----------------------------------------------------------------- the worker side

#: (screener key, screener) on a worker, set by the plugin; and how often it was loaded
_SCREENER: tuple[str, Screener] | None = None
_LOADS = 0


def _plugin_class() -> type:
    from distributed.diagnostics.plugin import WorkerPlugin

    class ScreenerPlugin(WorkerPlugin):
        """Ships the pickled screener; each worker (and any that joins later) loads it once."""

        def __init__(self, key: str, blob: bytes) -> None:
            self.key = key
            self.blob = blob
            self.name = f"chipcomply-screener-{key}"
            self.idempotent = True

        def setup(self, worker: Any) -> None:
            # This class travels by value; the screener must land in the real module, where
            # screen_partition (imported by reference on the worker) looks for it.
            from chipcomply.screening import distributed as home

            if home._SCREENER is not None and home._SCREENER[0] == self.key:
                return
            screener = pickle.loads(self.blob)
            screener.warm_up()
            home._SCREENER = (self.key, screener)
            home._LOADS += 1

    return ScreenerPlugin


def screen_partition(
    key: str, rows: list[Row], cols: dict[str, str | None], cutoff: float
) -> list[Any]:
    """Screen one partition on a worker with the shipped screener."""
    if _SCREENER is None or _SCREENER[0] != key:
        raise RuntimeError(f"worker {os.getpid()} has no chipcomply screener {key}")
    screener = _SCREENER[1]
    return [_screen_row(screener, r, cols, cutoff) for r in rows]


# ----------------------------------------------------------------- the client side


def _partitions(chunks: Iterator[list[Row]], size: int) -> Iterator[list[Row]]:
    part: list[Row] = []
    for chunk in chunks:
        for row in chunk:
            part.append(row)
            if len(part) >= size:
                yield part
                part = []
    if part:
        yield part


def screener_key(screener: Screener) -> str:
    """Names the screener by what decides its answers: the lists, vocabulary and code."""
    from chipcomply import __version__
    from chipcomply.screening.score import ALGORITHM

    digest = hashlib.sha256()
    for part in (screener.lists.key, screener.vocab.fingerprint, ALGORITHM, __version__):
        digest.update(str(part).encode("utf-8") + b"\x1f")
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _plugin_names(dask_scheduler: Any) -> list[str]:
    return list(dask_scheduler.worker_plugins)


def ship_screener(client: Client, screener: Screener) -> str:
    """Make every worker of the cluster (and any that joins later) hold ``screener``.

    The plugin is registered on the scheduler once per screener; a later run on the same
    cluster with the same lists finds it there and ships nothing.
    """
    key = screener_key(screener)
    name = f"chipcomply-screener-{key}"
    c: Any = client  # distributed's client methods are not all typed
    registered: list[str] = c.run_on_scheduler(_plugin_names)
    if name not in registered:
        # one screener per cluster: a worker restarted later must not load an old one
        for old in registered:
            if old.startswith("chipcomply-screener-"):
                c.unregister_worker_plugin(old)
        blob = pickle.dumps(screener, pickle.HIGHEST_PROTOCOL)
        client.register_plugin(_plugin_class()(key, blob), name=name)
    return key


def _worker_count(client: Client) -> int:
    info = client.scheduler_info()
    return max(1, len(info.get("workers", {})))


class DaskRun:
    """The ``process`` function :func:`chipcomply.screening.batch.run_table` calls."""

    def __init__(
        self,
        client: Client,
        screener: Screener,
        cutoff: float,
        progress: Callable[[int], None] | None = None,
        partition_rows: int | None = None,
    ) -> None:
        self.client = client
        self.cutoff = cutoff
        self.progress = progress
        self.partition_rows = partition_rows or PARTITION_ROWS
        self.key = ship_screener(client, screener)
        self.run_id = secrets.token_hex(6)
        self.partitions_done = 0

    def __call__(
        self, chunks: Iterator[list[Row]], cols: dict[str, str | None]
    ) -> Iterator[list[Any]]:
        from distributed import KilledWorker

        window = IN_FLIGHT_PER_WORKER * _worker_count(self.client)
        pending: deque[tuple[int, Any]] = deque()
        try:
            for i, part in enumerate(_partitions(chunks, self.partition_rows)):
                fut = self.client.submit(
                    screen_partition,
                    self.key,
                    part,
                    cols,
                    self.cutoff,
                    key=f"chipcomply-screen-{self.run_id}-{i}",
                    pure=False,
                )
                pending.append((i, fut))
                while len(pending) >= window:
                    yield self._collect(*pending.popleft(), KilledWorker)
            while pending:
                yield self._collect(*pending.popleft(), KilledWorker)
        finally:
            if pending:
                c: Any = self.client
                c.cancel([f for _, f in pending])

    def _collect(self, index: int, fut: Any, killed: type[BaseException]) -> list[Any]:
        resume = "the rows written so far are kept: run the same command again to resume"
        try:
            out: list[Any] = fut.result()
        except killed as exc:
            raise ChipcomplyError(
                f"the Dask cluster lost a worker too often while screening partition {index} "
                f"({exc}); {resume}"
            ) from None
        except Exception as exc:  # whatever the worker raised, reported in one line
            raise ChipcomplyError(
                f"Dask partition {index} failed on a worker ({type(exc).__name__}: {exc}); {resume}"
            ) from None
        self.partitions_done += 1
        if self.progress is not None:
            self.progress(len(out))
        return out
