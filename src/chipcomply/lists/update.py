"""`chipcomply lists update`: fetch new editions, check them, diff them, swap them in at once.

An update reads one file per list family — by default the official downloads
(:data:`chipcomply.lists.fetch.OFFICIAL`: trade.gov's ``consolidated.json`` and OFAC's
``sdn.csv`` with its alias and address files), or the files/URLs given with ``--from`` — and
then, in this order:

1. fetches every file into a temporary folder (an HTTP error, a failed connection or a short
   body is refused here);
2. parses each and checks it against its family's manifest (``lists/data/manifests.yaml``);
3. computes the record-level diff of the active lists before and after (added / removed /
   changed records by content hash, :mod:`chipcomply.lists.diff`);
4. stores each new snapshot under its id (a staging folder renamed into place) and then
   switches the active snapshots of all families in one atomic write of the pointer file.

Any failure before step 4's final write leaves the previous snapshots active, and the
message says which file failed and why. Old snapshots are never deleted: the audit trail and
the monitor's stored matches refer to them by id.

A file that states no publication date takes ``--as-of``; a download without one takes the
server's ``Last-Modified`` date, else the day it was fetched (``today``, from the caller's
clock).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from chipcomply.errors import BadInput, DataError
from chipcomply.lists.diff import ListDiff, diff_lists
from chipcomply.lists.fetch import OFAC_SIBLINGS, OFFICIAL, Fetched, fetch
from chipcomply.lists.parsers import FORMATS, ParsedList, parse_file
from chipcomply.lists.store import Snapshot, SnapshotMeta, SnapshotStore, _meta, combine, validate

DIFF_SAMPLE = 20  # records of each kind shown in a summary; the diff file has them all


@dataclass(frozen=True)
class SourceResult:
    origin: str
    family: str
    snapshot: str
    status: str  # "new" (stored now) | "stored" (kept from before) | "active" (already in use)
    as_of: date
    total: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.origin,
            "family": self.family,
            "snapshot": self.snapshot,
            "status": self.status,
            "as_of": self.as_of.isoformat(),
            "entries": self.total,
        }


@dataclass(frozen=True)
class UpdateResult:
    before: dict[str, str]
    after: dict[str, str]
    sources: tuple[SourceResult, ...]
    diff: ListDiff
    diff_file: Path | None = None
    snapshots: tuple[SnapshotMeta, ...] = field(default=(), repr=False)

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def as_dict(self, limit: int | None = DIFF_SAMPLE) -> dict[str, Any]:
        d = self.diff.as_dict(limit)
        return {
            "status": "updated" if self.changed else "current",
            "before": self.before,
            "after": self.after,
            "sources": [s.as_dict() for s in self.sources],
            "records": d["counts"],
            "added": d["added"],
            "removed": d["removed"],
            "changed": d["changed"],
            "diff_file": str(self.diff_file) if self.diff_file else None,
        }


def _content_sha(path: Path) -> str:
    """sha256 of the file, and of the sibling files that belong to it (OFAC legacy)."""
    digest = hashlib.sha256(path.read_bytes())
    siblings = [s for group in OFAC_SIBLINGS.get(path.name.lower(), ()) for s in group]
    extra = [path.with_name(s) for s in siblings if path.with_name(s).is_file()]
    if not extra:
        return digest.hexdigest()
    outer = hashlib.sha256(digest.digest())
    for p in extra:
        outer.update(p.name.encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return outer.hexdigest()


def _read(got: Fetched, fmt: str | None, as_of: date | None, today: date) -> ParsedList:
    try:
        parsed = parse_file(got.path, fmt, as_of)
    except DataError as exc:
        raise DataError(
            f"refused {got.origin}: {exc.message}; the active lists are unchanged"
        ) from None
    if parsed.as_of is None and got.remote:
        parsed.as_of = got.last_modified or today
    problems = validate(parsed)
    if problems:
        raise DataError(
            f"refused {got.origin} as a {parsed.family} snapshot: "
            + "; ".join(problems)
            + "; the active lists are unchanged"
        )
    return parsed


def update(
    sources: Sequence[str] | None = None,
    *,
    today: date,
    as_of: date | None = None,
    fmt: str | None = None,
    store: SnapshotStore | None = None,
) -> UpdateResult:
    """Fetch, check, diff and activate (see the module docstring)."""
    store = store or SnapshotStore()
    if fmt is not None and fmt not in FORMATS:
        raise BadInput("--format", f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    official = not sources
    wanted = [url for _, url in OFFICIAL] if official else list(sources or ())
    before_snaps = store.active()
    before = combine(before_snaps)
    parsed_by_family: dict[str, tuple[ParsedList, str, Fetched]] = {}
    with tempfile.TemporaryDirectory(prefix="chipcomply-update-") as tmp:
        in_use = {s.meta.sha256: s for s in before_snaps}
        kept: dict[str, tuple[Snapshot, Fetched]] = {}
        for i, source in enumerate(wanted):
            try:
                got = fetch(source, Path(tmp) / str(i), official=official)
            except DataError as exc:
                raise DataError(f"{exc.message}; the active lists are unchanged") from None
            except OSError as exc:
                raise DataError(
                    f"cannot stage {source} ({exc.strerror}); the active lists are unchanged"
                ) from None
            sha = _content_sha(got.path)
            same = in_use.get(sha) if fmt is None and as_of is None else None
            if same is not None:  # byte for byte the edition in use: nothing to read
                fam = same.meta.family
                if fam in kept or fam in parsed_by_family:
                    raise BadInput(
                        "--from", f"{source} is a second {fam} edition; give one per list"
                    )
                kept[fam] = (same, got)
                continue
            parsed = _read(got, fmt, as_of, today)
            if parsed.family in parsed_by_family or parsed.family in kept:
                first = parsed_by_family.get(parsed.family)
                other = first[2].origin if first else kept[parsed.family][1].origin
                raise BadInput(
                    "--from",
                    f"{other} and {source} are both {parsed.family} editions; give one per list",
                )
            parsed_by_family[parsed.family] = (parsed, sha, got)
        metas = {
            fam: _meta(p, sha, got.path.name, "imported")
            for fam, (p, sha, got) in parsed_by_family.items()
        }
        chosen = {s.meta.family: s for s in before_snaps}
        for fam, (p, _sha, _got) in parsed_by_family.items():
            chosen[fam] = Snapshot(metas[fam], tuple(p.records))
        after = combine([chosen[f] for f in sorted(chosen)])
        diff = diff_lists(before, after)
        stored = set(store.stored_ids())
        results: list[SourceResult] = []
        for fam, (p, sha, got) in parsed_by_family.items():
            meta = metas[fam]
            if before.ids.get(fam) == meta.id:
                status = "active"
            elif meta.id in stored:
                status = "stored"
            else:
                status = "new"
            if status == "new":
                try:
                    store.stage(p, sha, got.path.name)
                except OSError as exc:
                    raise DataError(
                        f"cannot store snapshot {meta.id} ({exc.strerror or exc}); "
                        "the active lists are unchanged"
                    ) from None
            results.append(SourceResult(got.origin, fam, meta.id, status, meta.as_of, meta.total))
        for fam, (snap, got) in kept.items():
            m = snap.meta
            results.append(SourceResult(got.origin, fam, m.id, "active", m.as_of, m.total))
    ids = {fam: m.id for fam, m in metas.items()}
    if any(before.ids.get(f) != i for f, i in ids.items()):
        try:
            store.activate(ids)
        except OSError as exc:
            raise DataError(
                f"cannot switch to the new snapshots ({exc.strerror or exc}); "
                "the active lists are unchanged"
            ) from None
    diff_file = _write_diff(store, diff, today) if not diff.empty else None
    return UpdateResult(
        before=before.ids,
        after=store.active_ids(),
        sources=tuple(results),
        diff=diff,
        diff_file=diff_file,
        snapshots=tuple(metas.values()),
    )


def _write_diff(store: SnapshotStore, diff: ListDiff, today: date) -> Path:
    """The whole diff as JSON beside the snapshots (``lists/updates/``)."""
    key = hashlib.sha256(json.dumps([diff.before, diff.after]).encode()).hexdigest()[:12]
    path = store.root / "updates" / f"{today.isoformat()}-{key}.json"
    body = json.dumps(diff.as_dict(None), ensure_ascii=False).encode("utf-8")
    store._write_atomic(path, body)
    return path
