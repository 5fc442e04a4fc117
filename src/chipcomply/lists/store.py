"""List snapshots: the bundled editions, imported ones, manifest checks and the active set.

A *snapshot* is one parsed edition of one list family (``csl``, ``ofac-sdn``, ``ofac-cons``),
named ``<family>-<as-of>-<sha256[:12]>`` after the file it was read from. The repo ships a
CSL and an OFAC SDN edition (``lists/data/``) so screening works offline out of the box;
``chipcomply lists import`` adds newer ones under the data home. Each family has one active
snapshot (the newest imported one, else the bundled one).

When several active families carry the same CSL source (the CSL includes SDN, and so does
the OFAC SDN file), the family whose edition is newest wins that source entirely, so a party
delisted in the newer edition is gone. Address countries, which the OFAC SDN JSON does not
carry, are filled in from the superseded edition for the same entity number.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from chipcomply.errors import DataError
from chipcomply.lists.parsers import ParsedList, parse_file
from chipcomply.lists.records import ListRecord
from chipcomply.paths import data_home

BUNDLED: tuple[tuple[str, str, str, str], ...] = (
    # (file in lists/data, format, family, as-of date the file states)
    ("csl_projection_2026-07-31.json.gz", "csl-projection", "csl", "2026-07-31"),
    ("ofac_sdn_2026-08-20.json.gz", "ofac-sdn-json", "ofac-sdn", "2026-08-20"),
)


class Bounds(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: int
    max: int


class FormatSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    columns: list[str]


class FamilyManifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str
    formats: dict[str, FormatSpec]
    total: Bounds
    sources: dict[str, Bounds]


class SnapshotMeta(BaseModel):
    """What ``lists show`` prints about one snapshot."""

    model_config = ConfigDict(frozen=True)

    id: str
    family: str
    format: str
    as_of: date
    sha256: str
    file: str
    origin: str  # "bundled" or "imported"
    counts: dict[str, int]
    total: int


@lru_cache(maxsize=1)
def manifests() -> dict[str, FamilyManifest]:
    text = resources.files("chipcomply.lists").joinpath("data/manifests.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)["families"]
    return {name: FamilyManifest.model_validate(spec) for name, spec in raw.items()}


def validate(parsed: ParsedList, family: str | None = None) -> list[str]:
    """Problems that make ``parsed`` an invalid snapshot (empty list = valid)."""
    family = family or parsed.family
    spec = manifests().get(family)
    if spec is None:
        return [f"unknown list family {family!r}"]
    problems: list[str] = []
    fmt = spec.formats.get(parsed.format)
    if fmt is None:
        problems.append(f"format {parsed.format} is not a {family} format")
    else:
        missing = [c for c in fmt.columns if c not in parsed.columns]
        if missing:
            problems.append("missing columns: " + ", ".join(missing))
    if parsed.as_of is None:
        problems.append("no as-of date (the file carries none; give --as-of)")
    total = len(parsed.records)
    if not spec.total.min <= total <= spec.total.max:
        problems.append(f"{total} entries, expected {spec.total.min}–{spec.total.max}")
    counts = parsed.counts()
    for code, bounds in spec.sources.items():
        n = counts.get(code, 0)
        if not bounds.min <= n <= bounds.max:
            problems.append(f"{code}: {n} entries, expected {bounds.min}–{bounds.max}")
    unknown = sorted(set(counts) - set(spec.sources))
    if unknown:
        problems.append("sources not expected in this family: " + ", ".join(unknown))
    return problems


def _snapshot_id(family: str, as_of: date, sha256: str) -> str:
    return f"{family}-{as_of.isoformat()}-{sha256[:12]}"


def _meta(parsed: ParsedList, sha256: str, file: str, origin: str) -> SnapshotMeta:
    assert parsed.as_of is not None
    return SnapshotMeta(
        id=_snapshot_id(parsed.family, parsed.as_of, sha256),
        family=parsed.family,
        format=parsed.format,
        as_of=parsed.as_of,
        sha256=sha256,
        file=file,
        origin=origin,
        counts=parsed.counts(),
        total=len(parsed.records),
    )


@dataclass(frozen=True)
class Snapshot:
    meta: SnapshotMeta
    records: tuple[ListRecord, ...]


def _stamp(records: list[ListRecord], snapshot_id: str) -> tuple[ListRecord, ...]:
    return tuple(r.model_copy(update={"snapshot": snapshot_id}) for r in records)


@lru_cache(maxsize=4)
def _bundled_raw(name: str) -> tuple[bytes, str]:
    blob = resources.files("chipcomply.lists").joinpath(f"data/{name}").read_bytes()
    raw = gzip.decompress(blob)
    return raw, hashlib.sha256(raw).hexdigest()


def bundled_ids() -> dict[str, str]:
    """Ids of the bundled snapshots, without parsing them."""
    out: dict[str, str] = {}
    for name, _fmt, family, as_of in BUNDLED:
        out[family] = _snapshot_id(family, date.fromisoformat(as_of), _bundled_raw(name)[1])
    return out


@lru_cache(maxsize=4)
def _bundled(name: str, fmt: str, family: str, as_of: str) -> Snapshot:
    raw, sha = _bundled_raw(name)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name.removesuffix(".gz")
        path.write_bytes(raw)
        parsed = parse_file(path, fmt)
    problems = validate(parsed, family)
    if parsed.as_of is not None and parsed.as_of.isoformat() != as_of:
        problems.append(f"states as-of {parsed.as_of}, the package expects {as_of}")
    if problems:
        raise DataError(f"bundled list {name} is invalid: " + "; ".join(problems))
    meta = _meta(parsed, sha, name.removesuffix(".gz"), "bundled")
    return Snapshot(meta, _stamp(parsed.records, meta.id))


def bundled_snapshots() -> list[Snapshot]:
    return [_bundled(*b) for b in BUNDLED]


_LOADED: dict[tuple[str, str], Snapshot] = {}
_LOADED_MAX = 4


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class SnapshotStore:
    """Imported snapshots under ``<data home>/lists`` and which one is active per family."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or data_home() / "lists"

    @property
    def _active_file(self) -> Path:
        return self.root / "active.json"

    def _active_ids(self) -> dict[str, str]:
        if not self._active_file.is_file():
            return {}
        try:
            data = json.loads(self._active_file.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DataError(f"{self._active_file}: unreadable ({exc})") from None
        return {str(k): str(v) for k, v in data.items()}

    def _write_atomic(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def import_file(
        self, path: Path, fmt: str | None = None, as_of: date | None = None
    ) -> SnapshotMeta:
        """Parse, check against the manifest, store and activate; refuse an invalid file.

        On refusal nothing is written and the previously active snapshot stays in use.
        """
        parsed = self.read_checked(path, fmt, as_of)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        meta = self.stage(parsed, sha, path.name)
        self.activate({meta.family: meta.id})
        return meta

    def read_checked(
        self, path: Path, fmt: str | None = None, as_of: date | None = None, name: str = ""
    ) -> ParsedList:
        """Parse ``path`` and check it against its family's manifest; refuse it otherwise."""
        shown = name or path.name
        try:
            parsed = parse_file(path, fmt, as_of)
        except DataError as exc:
            msg = f"refused {shown}: {exc.message}; the active list is unchanged"
            raise DataError(msg) from None
        problems = validate(parsed)
        if problems:
            raise DataError(
                f"refused {shown} as a {parsed.family} snapshot: "
                + "; ".join(problems)
                + "; the active list is unchanged"
            )
        return parsed

    def stage(self, parsed: ParsedList, sha256: str, file: str) -> SnapshotMeta:
        """Store a checked snapshot under its id, without activating it.

        The files are written into a staging folder that is renamed into place in one step,
        so ``snapshots/<id>`` is either complete or absent. A snapshot already stored under
        the same id (same family, as-of date and file content) is kept as it is.
        """
        meta = _meta(parsed, sha256, file, "imported")
        snapshots = self.root / "snapshots"
        final = snapshots / meta.id
        if (final / "meta.json").is_file() and (final / "records.json.gz").is_file():
            return SnapshotMeta.model_validate_json((final / "meta.json").read_bytes())
        snapshots.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=snapshots, prefix=f".staging-{meta.id}-"))
        try:
            payload = [r.model_dump(mode="json", exclude_none=True) for r in parsed.records]
            body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
            self._write_atomic(staging / "records.json.gz", gzip.compress(body, mtime=0))
            self._write_atomic(
                staging / "meta.json", meta.model_dump_json(indent=2).encode("utf-8")
            )
            if final.exists():  # an incomplete folder from an older version: replace it
                shutil.rmtree(final)
            os.rename(staging, final)
            _fsync_dir(snapshots)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _LOADED[(str(self.root), meta.id)] = Snapshot(meta, tuple(parsed.records))
        return meta

    def activate(self, ids: dict[str, str]) -> dict[str, str]:
        """Make stored snapshots active, all families in one atomic write of the pointer."""
        for snapshot_id in ids.values():
            if snapshot_id not in bundled_ids().values():
                folder = self.root / "snapshots" / snapshot_id
                if not (folder / "meta.json").is_file():
                    raise DataError(f"snapshot {snapshot_id} is not stored; cannot activate it")
        active = self._active_ids()
        active.update(ids)
        self._write_atomic(self._active_file, json.dumps(active, indent=2).encode("utf-8"))
        return self.active_ids()

    def stored_ids(self) -> list[str]:
        """Every snapshot kept under the data home (old ones are never deleted)."""
        folder = self.root / "snapshots"
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if (p / "meta.json").is_file())

    def snapshot(self, snapshot_id: str) -> Snapshot:
        """A bundled or stored snapshot by id."""
        for name, fmt, family, as_of in BUNDLED:
            if bundled_ids()[family] == snapshot_id:
                return _bundled(name, fmt, family, as_of)
        return self.load(snapshot_id)

    def lists_for(self, ids: dict[str, str]) -> ActiveLists:
        """The merged records of the given snapshots (e.g. an earlier active set)."""
        return combine([self.snapshot(i) for _, i in sorted(ids.items())])

    def load(self, snapshot_id: str) -> Snapshot:
        """A stored snapshot (read once per process: a snapshot never changes under its id)."""
        key = (str(self.root), snapshot_id)
        hit = _LOADED.get(key)
        if hit is not None:
            return hit
        snap = self._load(snapshot_id)
        while len(_LOADED) >= _LOADED_MAX:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = snap
        return snap

    def _load(self, snapshot_id: str) -> Snapshot:
        folder = self.root / "snapshots" / snapshot_id
        try:
            meta = SnapshotMeta.model_validate_json((folder / "meta.json").read_bytes())
            rows: list[dict[str, Any]] = json.loads(
                gzip.decompress((folder / "records.json.gz").read_bytes())
            )
        except (OSError, ValueError) as exc:
            raise DataError(f"snapshot {snapshot_id} is unreadable: {exc}") from None
        records = tuple(ListRecord.model_validate(r) for r in rows)
        return Snapshot(meta, records)

    def reset(self, family: str | None = None) -> None:
        """Go back to the bundled edition (for one family, or all)."""
        active = self._active_ids()
        for fam in [family] if family else list(active):
            active.pop(fam, None)
        self._write_atomic(self._active_file, json.dumps(active, indent=2).encode("utf-8"))

    def active_ids(self) -> dict[str, str]:
        """Family -> id of the active snapshot, without loading any records."""
        ids = bundled_ids()
        ids.update(self._active_ids())
        return dict(sorted(ids.items()))

    def active(self) -> list[Snapshot]:
        """The active snapshot of each family: imported if any, else bundled."""
        chosen = {s.meta.family: s for s in bundled_snapshots()}
        for family, snapshot_id in self._active_ids().items():
            chosen[family] = self.load(snapshot_id)
        return [chosen[f] for f in sorted(chosen)]


@dataclass(frozen=True)
class ActiveLists:
    """The records screening runs against, with the snapshots they came from."""

    snapshots: tuple[SnapshotMeta, ...]
    records: tuple[ListRecord, ...]
    winner: dict[str, str]  # source code -> snapshot id supplying it

    @property
    def ids(self) -> dict[str, str]:
        return {m.family: m.id for m in self.snapshots}

    @property
    def key(self) -> str:
        """A fingerprint of the active set (for caches keyed on the data)."""
        text = json.dumps(sorted(self.ids.items()))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def combine(snapshots: list[Snapshot]) -> ActiveLists:
    """Merge snapshots: per CSL source, the newest edition supplies every record."""
    winner: dict[str, Snapshot] = {}
    for snap in snapshots:
        for code in snap.meta.counts:
            best = winner.get(code)
            if best is None or (snap.meta.as_of, snap.meta.id) > (best.meta.as_of, best.meta.id):
                winner[code] = snap
    records: list[ListRecord] = []
    for snap in sorted(snapshots, key=lambda s: s.meta.family):
        mine = {code for code, w in winner.items() if w is snap}
        losers = [s for s in snapshots if s is not snap]
        fill: dict[tuple[str, str], list[str]] = {}
        for other in losers:
            for rec in other.records:
                if rec.source_code in mine and rec.entity_number and rec.countries:
                    fill.setdefault((rec.source_code, rec.entity_number), rec.countries)
        for rec in snap.records:
            if rec.source_code not in mine:
                continue
            if not rec.countries and rec.entity_number:
                countries = fill.get((rec.source_code, rec.entity_number))
                if countries:
                    rec = rec.model_copy(update={"countries": list(countries)})
            records.append(rec)
    return ActiveLists(
        snapshots=tuple(s.meta for s in sorted(snapshots, key=lambda s: s.meta.family)),
        records=tuple(records),
        winner={code: w.meta.id for code, w in sorted(winner.items())},
    )


def active_lists(store: SnapshotStore | None = None) -> ActiveLists:
    return combine((store or SnapshotStore()).active())
