"""Batch screening of a table of counterparties (CSV, XLSX or Parquet), resumable.

The output keeps every input column and adds ``hit``, ``top_name``, ``top_source``,
``top_score`` and ``hits`` (a JSON array of up to five hits). Rows are written in input
order to ``OUTPUT.partial.csv`` as they are screened, chunk by chunk and flushed, next to a
small ``OUTPUT.partial.json`` naming the input and settings; a run that is interrupted
starts again where it stopped (a half-written last line is dropped and redone). When every
row is done the partial file becomes OUTPUT in the format its extension names.

Bad rows (no name, a 10 MB name, invalid UTF-8, a ragged row, an unknown country) are not
written to OUTPUT at all: each is listed in ``OUTPUT.errors.csv`` with its row number, field
and problem, and the good rows are still screened. Row numbers count the header as row 1,
as a spreadsheet does.

With more than one worker the index is built once in the parent and the workers are forked
from it, so they share its memory. With ``dask=SCHEDULER`` the rows are screened on a Dask
cluster instead (see :mod:`chipcomply.screening.distributed`); the output is the same.

OUTPUT may also be an existing directory (or, on Dask, a path without a file extension):
the rows are then written as partitioned Parquet, ``part-00000.parquet``,
``part-00001.parquet`` … of at most ``PART_ROWS`` rows each, in input order, with the same
columns as a single ``.parquet`` file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipcomply.errors import BadInput, ChipcomplyError
from chipcomply.lists.countries import check_country
from chipcomply.screening.api import Screener, check_threshold, get_screener
from chipcomply.screening.normalise import check_name
from chipcomply.screening.score import ALGORITHM

HIT_COLUMNS = ("hit", "top_name", "top_source", "top_score", "hits")
MATCH_COLUMNS = ("score", "match")
MAX_HITS = 5
CHUNK = 256
ROW_KEY = "_row"
PART_ROWS = 100_000  # rows per file of a partitioned Parquet output

Row = tuple[int, dict[str, str] | None, str | None, str | None]  # number, cells, field, problem


@dataclass
class BatchSummary:
    output: Path
    errors_path: Path | None
    rows: int = 0
    screened: int = 0
    hits: int = 0
    errors: int = 0
    resumed_from: int = 0
    first_error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------- reading


def _decode_cell(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def read_table(path: Path, field_name: str = "INPUT") -> tuple[list[str], Iterator[Row]]:
    """Header and rows of a CSV, XLSX or Parquet file; rows carry their own problems."""
    if not path.is_file():
        raise BadInput(field_name, f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, field_name)
    if suffix in (".parquet", ".pq"):
        return _read_parquet(path, field_name)
    return _read_csv(path, field_name)


def _read_csv(path: Path, field_name: str) -> tuple[list[str], Iterator[Row]]:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode("utf-8", errors="surrogateescape")
    # Read oversized cells whole, so that the row's problem names its field (a 10 MB name
    # is reported as "name: is 10,000,000 characters long", not as a CSV error).
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise BadInput(field_name, f"{path.name} is empty (no header row)") from None
    except csv.Error as exc:
        raise BadInput(field_name, f"{path.name} row 1: {exc}") from None
    if any(_bad_text(h) for h in header):
        raise BadInput(field_name, f"{path.name} row 1 (header): not valid UTF-8")
    header = [h.strip() for h in header]

    def rows() -> Iterator[Row]:
        number = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield number, None, "row", f"unreadable CSV ({exc})"
                continue
            number += 1
            if not cells or not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                yield (
                    number,
                    None,
                    "row",
                    f"has {len(cells)} fields, the header has {len(header)}",
                )
                continue
            bad = [h for h, c in zip(header, cells, strict=True) if _bad_text(c)]
            if bad:
                yield number, None, bad[0], "not valid UTF-8"
                continue
            yield number, dict(zip(header, cells, strict=True)), None, None

    return header, rows()


def _bad_text(value: str) -> bool:
    return any(0xDC80 <= ord(c) <= 0xDCFF for c in value)


def _read_xlsx(path: Path, field_name: str) -> tuple[list[str], Iterator[Row]]:
    import openpyxl  # type: ignore[import-untyped]

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise BadInput(field_name, f"{path.name}: not a readable XLSX file ({exc})") from None
    sheet = book.worksheets[0]
    it = sheet.iter_rows(values_only=True)
    first = next(it, None)
    if first is None:
        raise BadInput(field_name, f"{path.name} is empty (no header row)")
    header = [_decode_cell(h).strip() for h in first]
    while header and not header[-1]:
        header.pop()

    def rows() -> Iterator[Row]:
        for number, values in enumerate(it, start=2):
            cells = [_decode_cell(v) for v in values]
            extra = cells[len(header) :]
            if any(c.strip() for c in extra):
                yield number, None, "row", f"has values beyond the {len(header)} header columns"
                continue
            cells = (cells + [""] * len(header))[: len(header)]
            if not any(c.strip() for c in cells):
                continue
            yield number, dict(zip(header, cells, strict=True)), None, None
        book.close()

    return header, rows()


def _read_parquet(path: Path, field_name: str) -> tuple[list[str], Iterator[Row]]:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError …
        raise BadInput(field_name, f"{path.name}: not a readable Parquet file ({exc})") from None
    header = [str(c) for c in table.column_names]

    def rows() -> Iterator[Row]:
        for number, record in enumerate(table.to_pylist(), start=2):
            cells = {h: _decode_cell(record.get(h)) for h in header}
            if not any(c.strip() for c in cells.values()):
                continue
            yield number, cells, None, None

    return header, rows()


def find_column(header: Sequence[str], wanted: str) -> str | None:
    for h in header:
        if h.strip().casefold() == wanted:
            return h
    return None


# ------------------------------------------------------------------------- screening

_WORKER: Screener | None = None


def _screen_row(screener: Screener, row: Row, cols: dict[str, str | None], cutoff: float) -> Any:
    number, cells, fld, problem = row
    if cells is None:
        return number, None, fld, problem
    name_col = cols["name"]
    assert name_col is not None
    try:
        name = check_name(cells[name_col], name_col)
        country_col = cols.get("country")
        country = None
        if country_col is not None and cells.get(country_col, "").strip():
            country = check_country(cells[country_col], country_col)
        result = screener.screen(name, country=country, threshold=cutoff, limit=MAX_HITS)
    except BadInput as exc:
        return number, None, exc.field, exc.problem
    hits = [h.model_dump(mode="json", exclude={"record"}, exclude_none=False) for h in result.hits]
    top = result.hits[0] if result.hits else None
    extra = {
        "hit": "true" if top else "false",
        "top_name": top.name if top else "",
        "top_source": top.source if top else "",
        "top_score": f"{top.score:.4f}" if top else "",
        "hits": json.dumps(hits, ensure_ascii=False, sort_keys=True),
    }
    return number, {**cells, **extra}, None, None


def _worker_chunk(args: tuple[list[Row], dict[str, str | None], float]) -> list[Any]:
    rows, cols, cutoff = args
    assert _WORKER is not None
    return [_screen_row(_WORKER, r, cols, cutoff) for r in rows]


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ------------------------------------------------------------------------- writing


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _csv_text(rows: Sequence[Sequence[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _done_rows(path: Path) -> set[int]:
    """Row numbers already in a partial file; a torn last line is cut off first."""
    if not path.is_file():
        return set()
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        with path.open("r+b") as fh:
            fh.truncate(cut)
        data = data[:cut]
    done: set[int] = set()
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    next(reader, None)
    for cells in reader:
        if cells and cells[0].isdigit():
            done.add(int(cells[0]))
    return done


def is_directory_output(output: Path) -> bool:
    """Whether OUTPUT names a directory of partitioned Parquet rather than one file."""
    return output.is_dir()


def _write_parquet(path: Path, columns: list[str], body: Sequence[Sequence[str]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {c: [r[i] for r in body] for i, c in enumerate(columns)}
    pq.write_table(pa.table(arrays), path)


def _finish_directory(output: Path, columns: list[str], body: list[list[str]]) -> None:
    """Write ``part-NNNNN.parquet`` files beside OUTPUT, then move them in at once."""
    import shutil

    staging = output.with_name(f".{output.name}.parts.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for n, start in enumerate(range(0, max(1, len(body)), PART_ROWS)):
            rows = body[start : start + PART_ROWS]
            _write_parquet(staging / f"part-{n:05d}.parquet", columns, rows)
        output.mkdir(parents=True, exist_ok=True)
        for old in output.glob("part-*.parquet"):
            old.unlink()
        for part in sorted(staging.iterdir()):
            os.replace(part, output / part.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _finish(partial: Path, output: Path, columns: list[str], directory: bool = False) -> None:
    with partial.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        rows = sorted((int(r[0]), r[1:]) for r in reader if r and r[0].isdigit())
    body = [r for _, r in rows]
    if directory:
        _finish_directory(output, columns, body)
        return
    tmp = output.with_name(f".{output.name}.tmp")
    suffix = output.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(columns)
        for r in body:
            sheet.append(r)
        book.save(tmp)
    elif suffix in (".parquet", ".pq"):
        _write_parquet(tmp, columns, body)
    else:
        tmp.write_text(_csv_text([columns, *body]), encoding="utf-8", newline="")
    os.replace(tmp, output)


def check_columns(
    input_path: Path,
    header: Sequence[str],
    required: Sequence[str],
    optional: Sequence[str],
    added: Sequence[str],
) -> dict[str, str | None]:
    """The input's columns for each wanted name; a missing required column is bad input."""
    cols: dict[str, str | None] = {}
    for want in required:
        col = find_column(header, want)
        if col is None:
            shown = ", ".join(header) or "none"
            raise BadInput("INPUT", f"{input_path.name} has no {want!r} column (columns: {shown})")
        cols[want] = col
    for want in optional:
        cols[want] = find_column(header, want)
    clash = [c for c in added if c in header]
    if clash:
        raise BadInput("INPUT", f"{input_path.name} already has output columns: {', '.join(clash)}")
    return cols


def run_table(
    input_path: Path,
    output: Path,
    *,
    required: Sequence[str],
    optional: Sequence[str],
    added: Sequence[str],
    settings: dict[str, Any],
    process: Callable[[Iterator[list[Row]], dict[str, str | None]], Iterator[list[Any]]],
    restart: bool = False,
    directory: bool = False,
) -> BatchSummary:
    """Read INPUT, run ``process`` over chunks of rows, write OUTPUT resumably."""
    header, rows = read_table(input_path)
    cols = check_columns(input_path, header, required, optional, added)
    columns = [*header, *added]
    partial = output.with_name(output.name + ".partial.csv")
    meta_path = output.with_name(output.name + ".partial.json")
    errors_partial = output.with_name(output.name + ".errors.partial.csv")
    errors_path = output.with_name(output.name + ".errors.csv")
    meta = {"input": str(input_path.resolve()), "sha256": _sha256(input_path), **settings}
    if restart:
        for p in (partial, meta_path, errors_partial):
            p.unlink(missing_ok=True)
    summary = BatchSummary(output=output, errors_path=None)
    if meta_path.is_file():
        previous = json.loads(meta_path.read_text("utf-8"))
        if previous != meta:
            raise BadInput(
                "--output",
                f"{partial.name} belongs to a run with another input or settings; "
                "pass --restart to start over",
            )
    else:
        for p in (partial, errors_partial):
            p.unlink(missing_ok=True)
        output.parent.mkdir(parents=True, exist_ok=True)
        meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    done = _done_rows(partial) | _done_rows(errors_partial)
    summary.resumed_from = len(done)
    if not partial.is_file():
        _append(partial, _csv_text([[ROW_KEY, *columns]]))
    if not errors_partial.is_file():
        _append(errors_partial, _csv_text([[ROW_KEY, "field", "problem"]]))
    errors_path.unlink(missing_ok=True)

    def todo() -> Iterator[Row]:
        for row in rows:
            summary.rows += 1
            if row[0] not in done:
                yield row

    for results in process(_chunks(todo(), CHUNK), cols):
        good: list[list[str]] = []
        bad: list[list[str]] = []
        for number, cells, fld, problem in results:
            if cells is None:
                bad.append([str(number), fld or "", problem or ""])
                if summary.first_error is None:
                    summary.first_error = f"row {number}: {fld}: {problem}"
            else:
                good.append([str(number), *[cells.get(c, "") for c in columns]])
                if cells.get("hit") == "true" or cells.get("match") == "true":
                    summary.hits += 1
        if bad:
            _append(errors_partial, _csv_text(bad))
            summary.errors += len(bad)
        if good:
            _append(partial, _csv_text(good))
            summary.screened += len(good)
    all_errors = _done_rows(errors_partial)
    _finish(partial, output, columns, directory)
    if all_errors:
        _finish_errors(errors_partial, errors_path)
        summary.errors = len(all_errors)
        summary.errors_path = errors_path
        if summary.first_error is None:
            summary.first_error = _first_error(errors_path)
    for p in (partial, meta_path, errors_partial):
        p.unlink(missing_ok=True)
    return summary


def _finish_errors(partial: Path, final: Path) -> None:
    with partial.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        rows = sorted((int(r[0]), r[1:]) for r in reader if r and r[0].isdigit())
    body = [[str(n), *r] for n, r in rows]
    final.write_text(_csv_text([["row", "field", "problem"], *body]), encoding="utf-8")


def _first_error(path: Path) -> str | None:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for r in reader:
            return f"row {r[0]}: {r[1]}: {r[2]}"
    return None


def screen_file(
    input_path: Path,
    output: Path,
    threshold: float | None = None,
    workers: int | None = None,
    restart: bool = False,
    progress: Callable[[int], None] | None = None,
    dask: str | None = None,
) -> BatchSummary:
    """Screen every row of INPUT into OUTPUT (see the module docstring).

    ``dask`` is a Dask scheduler address or ``local:N``; the rows are then screened on that
    cluster (:mod:`chipcomply.screening.distributed`) with the same output.
    """
    cutoff = check_threshold(threshold, "--threshold")
    if dask is not None:
        if workers is not None:
            raise BadInput("--workers", "give --workers or --dask, not both")
        return _screen_file_dask(input_path, output, cutoff, dask, restart, progress)
    screener = get_screener()
    n_workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    if n_workers < 1:
        raise BadInput("--workers", f"must be at least 1, got {n_workers}")
    settings = {"threshold": cutoff, "algorithm": ALGORITHM, "lists": screener.list_ids}

    def process(chunks: Iterator[list[Row]], cols: dict[str, str | None]) -> Iterator[list[Any]]:
        if n_workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
            for chunk in chunks:
                out = [_screen_row(screener, r, cols, cutoff) for r in chunk]
                if progress:
                    progress(len(chunk))
                yield out
            return
        global _WORKER
        _WORKER = screener
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(n_workers) as pool:
            for out in pool.imap(_worker_chunk, ((c, cols, cutoff) for c in chunks)):
                if progress:
                    progress(len(out))
                yield out

    return _run_screening_table(
        input_path, output, settings, process, restart, is_directory_output(output)
    )


def _run_screening_table(
    input_path: Path,
    output: Path,
    settings: dict[str, Any],
    process: Callable[[Iterator[list[Row]], dict[str, str | None]], Iterator[list[Any]]],
    restart: bool,
    directory: bool,
) -> BatchSummary:
    """The screening table run, single-process or on Dask; a failed write names --output."""
    try:
        return run_table(
            input_path,
            output,
            required=("name",),
            optional=("country", "id"),
            added=HIT_COLUMNS,
            settings=settings,
            process=process,
            restart=restart,
            directory=directory,
        )
    except ChipcomplyError:
        raise
    except OSError as exc:
        raise BadInput("--output", f"cannot write {output}: {exc.strerror}") from None


def _screen_file_dask(
    input_path: Path,
    output: Path,
    cutoff: float,
    scheduler: str,
    restart: bool,
    progress: Callable[[int], None] | None,
) -> BatchSummary:
    from chipcomply.screening import distributed

    spec = distributed.parse_scheduler(scheduler)
    # Refuse a bad input before a cluster is started or anything is written.
    header, _ = read_table(input_path)
    check_columns(input_path, header, ("name",), ("country", "id"), HIT_COLUMNS)
    directory = is_directory_output(output) or (not output.exists() and output.suffix == "")
    with distributed.dask_client(spec) as client:
        screener = get_screener()
        settings = {"threshold": cutoff, "algorithm": ALGORITHM, "lists": screener.list_ids}
        run = distributed.DaskRun(client, screener, cutoff, progress)
        return _run_screening_table(input_path, output, settings, run, restart, directory)


def match_file(
    input_path: Path,
    output: Path,
    threshold: float | None = None,
    restart: bool = False,
) -> BatchSummary:
    """Score every ``left,right`` pair of INPUT into OUTPUT (adds ``score,match``)."""
    cutoff = check_threshold(threshold, "--threshold")
    screener = get_screener()

    def one(row: Row, cols: dict[str, str | None]) -> Any:
        number, cells, fld, problem = row
        if cells is None:
            return number, None, fld, problem
        try:
            left = cells[cols["left"] or "left"]
            right = cells[cols["right"] or "right"]
            schema_col = cols.get("schema")
            schema = cells.get(schema_col, "").strip() if schema_col else ""
            res = screener.match(left, right, threshold=cutoff, schema=schema or None)
        except BadInput as exc:
            return number, None, exc.field, exc.problem
        return (
            number,
            {**cells, "score": f"{res.score:.4f}", "match": str(res.match).lower()},
            None,
            None,
        )

    def process(chunks: Iterator[list[Row]], cols: dict[str, str | None]) -> Iterator[list[Any]]:
        for chunk in chunks:
            yield [one(r, cols) for r in chunk]

    return run_table(
        input_path,
        output,
        required=("left", "right"),
        optional=("schema",),
        added=MATCH_COLUMNS,
        settings={"threshold": cutoff, "algorithm": ALGORITHM, "kind": "pairs"},
        process=process,
        restart=restart,
    )


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()
