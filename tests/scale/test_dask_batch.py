"""screen-batch --dask on a real local cluster: same rows as the single-process run."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chipcomply.screening import Screener
from chipcomply.screening import batch as batch_mod
from chipcomply.screening import distributed as dist
from chipcomply.screening.batch import screen_file
from scale.conftest import counterparties, write_csv

from cli_runner import run_cli

pytest.importorskip("distributed")


def flat(text: str) -> str:
    return " ".join(text.split())


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "partial" in p.name or p.name.startswith("."))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, bundled_screener: Screener) -> Path:
    folder = tmp_path_factory.mktemp("dask-sample")
    return write_csv(folder / "in.csv", counterparties(bundled_screener, 600))


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory, sample: Path) -> Path:
    """The reference: the same input screened in one process."""
    folder = tmp_path_factory.mktemp("dask-single")
    out = folder / "single.csv"
    summary = screen_file(sample, out, workers=1)
    assert summary.screened == 598 and summary.errors == 2 and summary.hits > 50
    pq.write_table(_csv_as_table(out), folder / "single.parquet")
    return out


def _csv_as_table(path: Path) -> pa.Table:
    import csv

    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return pa.table({c: [r[i] for r in rows[1:]] for i, c in enumerate(rows[0])})


def test_dask_csv_parquet_and_directory_outputs_equal_the_single_process_run(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    dask_cluster: Any,
    sample: Path,
    single: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    address = str(dask_cluster.scheduler_address)
    out = tmp_path / "dask.csv"
    res = run_cli(capsys, "screen-batch", str(sample), "--output", str(out), "--dask", address)
    assert res.code == 2, res.err  # the two bad rows, reported as in the single-process run
    assert "2 row(s) not processed" in flat(res.err)
    assert out.read_bytes() == single.read_bytes()
    errors = single.with_name("single.csv.errors.csv").read_bytes()
    assert out.with_name("dask.csv.errors.csv").read_bytes() == errors

    reference = pq.read_table(single.with_name("single.parquet"))
    pq_out = tmp_path / "dask.parquet"
    screen_file(sample, pq_out, dask=address)
    assert pq.read_table(pq_out).equals(reference)

    monkeypatch.setattr(batch_mod, "PART_ROWS", 250)
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "part-00007.parquet").write_bytes(b"stale")  # an older run's file goes
    screen_file(sample, folder, dask=address)
    parts = sorted(p.name for p in folder.iterdir())
    assert parts == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    joined = pa.concat_tables([pq.read_table(folder / p) for p in parts])
    assert joined.equals(reference)
    assert leftovers(tmp_path) == []

    # The screener was shipped once and loaded once per worker, for all three runs.
    from distributed import Client

    with Client(address) as client:
        loads = client.run(lambda: __import__("chipcomply.screening.distributed").screening)
        counts = client.run(_loads)
    assert loads and set(counts.values()) == {1}


def _loads() -> int:
    return dist._LOADS


def _watcher() -> Any:
    from distributed.diagnostics.plugin import SchedulerPlugin

    class Transitions(SchedulerPlugin):  # type: ignore[misc]
        """Partitions taken back from a worker that died while running them."""

        name = "chipcomply-test-transitions"

        def __init__(self) -> None:
            self.requeued: list[str] = []

        def transition(self, key: Any, start: str, finish: str, *args: Any, **kwargs: Any) -> None:
            ours = str(key).startswith("chipcomply-screen-")
            if ours and start == "processing" and finish in ("released", "waiting", "queued"):
                self.requeued.append(str(key))

    return Transitions()


def test_a_killed_worker_loses_and_duplicates_nothing(
    tmp_path: Path,
    dask_cluster: Any,
    sample: Path,
    single: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from distributed import Client

    address = str(dask_cluster.scheduler_address)
    monkeypatch.setattr(dist, "PARTITION_ROWS", 60)
    watcher = _watcher()
    dask_cluster.scheduler.add_plugin(watcher, name=watcher.name)
    with Client(address) as client:
        before = client.run(os.getpid)
        calls: list[int] = []
        killed: list[int] = []

        def progress(n: int) -> None:
            calls.append(n)
            if len(calls) == 2:
                # kill a worker that is screening a partition right now
                busy = [
                    ts.processing_on.address
                    for ts in list(dask_cluster.scheduler.tasks.values())
                    if str(ts.key).startswith("chipcomply-screen-")
                    and ts.state == "processing"
                    and ts.processing_on is not None
                ]
                assert busy, "nothing in flight to interrupt"
                killed.append(before[busy[0]])
                os.kill(killed[0], signal.SIGKILL)

        out = tmp_path / "killed.csv"
        summary = screen_file(sample, out, dask=address, progress=progress)
        client.wait_for_workers(2, timeout=60)
        after = client.run(os.getpid)
    dask_cluster.scheduler.remove_plugin(name=watcher.name)
    assert killed and killed[0] not in after.values()  # it died; its nanny started another
    assert watcher.requeued, "no partition was running on the killed worker"
    assert summary.screened == 598 and sum(calls) == 600
    assert out.read_bytes() == single.read_bytes()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nowhere", "--dask: expected a scheduler address such as tcp://host:8786, or local:N"),
        ("local:0", "--dask: expected local:N with N from 1 to 256"),
        ("local:two", "--dask: expected local:N"),
        ("tcp://127.0.0.1:1", "--dask: cannot reach the Dask scheduler at tcp://127.0.0.1:1"),
    ],
)
def test_bad_scheduler_is_one_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    sample: Path,
    spec: str,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dist, "CONNECT_TIMEOUT", "1s")
    out = tmp_path / "out.csv"
    res = run_cli(capsys, "screen-batch", str(sample), "--output", str(out), "--dask", spec)
    assert res.code == 2
    assert message in flat(res.err) and len(res.err.strip().splitlines()) == 1
    assert "Traceback" not in res.err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_missing_name_column_with_dask_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, dask_cluster: Any
) -> None:
    src = tmp_path / "no_name.csv"
    src.write_text("id,company\n1,Huawei\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    address = str(dask_cluster.scheduler_address)
    res = run_cli(capsys, "screen-batch", str(src), "--output", str(out), "--dask", address)
    assert res.code == 2
    assert "INPUT: no_name.csv has no 'name' column (columns: id, company)" in flat(res.err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["no_name.csv"]


def test_local_cluster_of_one_worker(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bundled_screener: Screener
) -> None:
    rows = counterparties(bundled_screener, 80, seed=9)
    rows = [r for r in rows if r["name"] and r["country"] != "QQ"]
    src = write_csv(tmp_path / "in.csv", rows)
    ref = tmp_path / "ref.csv"
    screen_file(src, ref, workers=1)
    out = tmp_path / "out.csv"
    res = run_cli(capsys, "screen-batch", str(src), "--output", str(out), "--dask", "local:1")
    assert res.code == 0, res.err
    assert f"Screened {len(rows)} rows" in flat(res.err)
    assert out.read_bytes() == ref.read_bytes()
