"""The compliance desk's orchestration: the one place that reads the clock, loads data,
resolves defaults and writes audit records.

The API routes and web pages parse input, call a method here and format what it returns;
the core (``classify``, ``compare``, ``screen``, ``determine``) stays a set of plain
functions that never see a database or a clock. Every answer is written to the audit chain
with its complete input (defaults such as ``as_of`` resolved first), its output, and the
rulebook, list snapshot and engine versions, so ``replay`` can recompute it byte for byte.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import hashlib
import io
import json
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from chipcomply import __version__
from chipcomply.catalog import default_catalog
from chipcomply.compare import compare
from chipcomply.errors import BadInput, ChipcomplyError, DataError
from chipcomply.logic.classify import classify
from chipcomply.model import ChipSpec, parse_model
from chipcomply.rulebook import RuleBook, load_rulebook
from chipcomply.store import Store, canonical_json, open_store
from chipcomply.store import schema as s

ENGINE_VERSION = __version__
DECISIONS = ("true_match", "false_positive", "escalated")
ANSWER_KINDS = ("classify", "compare", "screen", "match", "check", "screen_batch")
SESSION_HOURS = 12
#: How long a checked key is trusted without another database look-up. A key revoked in this
#: process stops at once; other server processes notice within this many seconds.
AUTH_CACHE_SECONDS = 5.0
MAX_NAME = 1000
MAX_BATCH_ROWS = 20000


class NotFound(ChipcomplyError):
    """A case, record, job or key id that does not exist."""

    exit_code = 2

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"{what} {ident} not found")
        self.what = what


class Unavailable(ChipcomplyError):
    """A part of the service needs something this machine lacks (e.g. Chromium for PDF)."""

    exit_code = 5


@dataclass(frozen=True)
class Principal:
    """Who is asking: an API key's id, role and label (the label names the person)."""

    key_id: str
    role: str
    label: str


SYSTEM = Principal(key_id="-", role="admin", label="system")


@dataclass(frozen=True)
class Answer:
    """An answer and the audit record that holds it."""

    kind: str
    output: dict[str, Any]
    audit_id: int
    audit_hash: str
    body: dict[str, Any] = field(default_factory=dict)  # what the caller sees
    #: the body as canonical JSON when it is exactly the stored output (saves re-encoding)
    body_json: str | None = None


@dataclass(frozen=True)
class Replay:
    record_id: int
    kind: str
    identical: bool
    stored: str
    recomputed: str
    diff: str
    problem: str | None = None


# -- small input helpers (field names match the CLI's) ---------------------------------


def _obj(payload: Any, where: str = "body") -> dict[str, Any]:
    if not isinstance(payload, dict):
        kind = "nothing" if payload is None else type(payload).__name__
        raise BadInput(where, f"expected a JSON object, got {kind}")
    return payload


def _only(payload: dict[str, Any], allowed: tuple[str, ...], where: str = "") -> None:
    for key in payload:
        if key not in allowed:
            raise BadInput(f"{where}{key}", "unknown field")


def _str(
    payload: dict[str, Any], key: str, *, required: bool = False, max_len: int = MAX_NAME
) -> str | None:
    value = payload.get(key)
    if value is None:
        if required:
            raise BadInput(key, "required field is missing")
        return None
    if not isinstance(value, str):
        raise BadInput(key, f"expected a string, got {type(value).__name__}")
    if required and not value.strip():
        raise BadInput(key, "must not be empty")
    if len(value) > max_len:
        raise BadInput(key, f"longer than {max_len} characters")
    if "\x00" in value:
        raise BadInput(key, "contains a NUL character")
    return value


def parse_as_of(value: Any, field_name: str = "as_of") -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadInput(field_name, f"expected a date as YYYY-MM-DD, got {value!r}")
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(field_name, f"expected a date as YYYY-MM-DD, got {value!r}") from None


def normalise_party(name: str, country: str | None) -> str:
    """The counterparty as the good-guy list keys it: NFKC, case-folded, spacing collapsed."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc"))
    return " ".join(text.split()) + "|" + (country or "").strip().upper()


def party_hash(name: str, country: str | None) -> str:
    return hashlib.sha256(normalise_party(name, country).encode("utf-8")).hexdigest()


def hit_record_key(hit: dict[str, Any]) -> str:
    """Which list record a hit is: its uid when the list gives one, else source + number/name."""
    record = hit.get("record") or {}
    if isinstance(record, dict) and record.get("uid"):
        return str(record["uid"])
    ident = hit.get("entity_number") or hit.get("name") or ""
    return f"{hit.get('source', '')}|{ident}"


#: Record fields that change with every list edition without the entry itself changing.
VOLATILE_RECORD_FIELDS = ("snapshot",)


def hit_record_hash(hit: dict[str, Any]) -> str:
    """Hash of the list record's content (not of the score), so a changed entry shows."""
    record = hit.get("record")
    if not isinstance(record, dict):
        record = {k: v for k, v in hit.items() if k not in ("score", "explanation", "matched_name")}
    content = {k: v for k, v in record.items() if k not in VOLATILE_RECORD_FIELDS}
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def _rules_root() -> Path:
    return Path(str(resources.files("chipcomply") / "rules"))


def rulebook_files(root: Path) -> dict[str, str]:
    """The YAML files ``load_rulebook`` reads, by path relative to ``root``."""
    return {str(p.relative_to(root)): p.read_text("utf-8") for p in sorted(root.rglob("*.yaml"))}


def _pretty(text: str) -> str:
    return json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"


# -- the desk ---------------------------------------------------------------------------


class Desk:
    """One database, one rulebook, one clock: everything the shells call."""

    def __init__(
        self,
        store: Store,
        rules_root: Path | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.rules_root = rules_root or _rules_root()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._rulebook: RuleBook | None = None
        self._bundled: set[str] = set()
        self._replay_books: dict[str, RuleBook] = {}
        self._jobs_lock = threading.Lock()
        self._auth_cache: dict[str, tuple[float, Principal]] = {}
        self._last_diff: Any = None  # the record diff of the last list update

    # -- clock and data ---------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock()

    def now_iso(self) -> str:
        return self.now().astimezone(UTC).isoformat(timespec="microseconds")

    def today(self) -> date:
        return self.now().date()

    @property
    def rulebook(self) -> RuleBook:
        if self._rulebook is None:
            self._rulebook = load_rulebook(self.rules_root)
        return self._rulebook

    # -- writing the audit chain --------------------------------------------------------

    def _record(
        self,
        who: Principal,
        kind: str,
        input_obj: Any,
        output: Any,
        *,
        context: Any = None,
        rulebook: str | None = None,
        lists: dict[str, str] | None = None,
        extra: Callable[[Any, dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        with self.store.writing() as conn:
            if rulebook and rulebook == self.rulebook.version and rulebook not in self._bundled:
                self.store.put_bundle(conn, rulebook, rulebook_files(self.rules_root))
            row = self.store.append_audit(
                conn,
                kind=kind,
                created_at=self.now_iso(),
                user_name=who.label,
                role=who.role,
                input_obj=input_obj,
                output_obj=output,
                context=context if context is not None else {},
                rulebook_version=rulebook,
                lists=lists or {},
                engine_version=ENGINE_VERSION,
            )
            if extra is not None:
                extra(conn, row)
        if rulebook:
            self._bundled.add(rulebook)
        return row

    def _answer(
        self, who: Principal, kind: str, input_obj: dict[str, Any], book: RuleBook | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        output, rb, lists = compute(kind, input_obj, book or self.rulebook)
        row = self._record(who, kind, input_obj, output, rulebook=rb, lists=lists)
        return output, row

    # -- answers --------------------------------------------------------------------------

    def classify(self, who: Principal, payload: Any) -> Answer:
        p = _obj(payload)
        _only(p, ("chip", "spec", "as_of"))
        day = parse_as_of(p.get("as_of")) or self.today()
        chip = _str(p, "chip")
        spec = p.get("spec")
        if (chip is None) == (spec is None):
            raise BadInput("chip/spec", "give exactly one of chip (a catalogue name) or spec")
        if spec is not None:
            parse_model(ChipSpec, spec, "spec")  # reject bad specs before anything is stored
        inp = (
            {"as_of": day.isoformat(), "chip": chip}
            if chip
            else {"as_of": day.isoformat(), "spec": spec}
        )
        out, row = self._answer(who, "classify", inp)
        return Answer("classify", out, row["id"], row["hash"], out, row["output_json"])

    def compare(self, who: Principal, payload: Any) -> Answer:
        p = _obj(payload)
        _only(p, ("names", "as_of"))
        day = parse_as_of(p.get("as_of")) or self.today()
        names = p.get("names")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise BadInput("names", "expected a list of catalogue names")
        if len(names) > 12:
            raise BadInput("names", "compare at most 12 items at once")
        out, row = self._answer(who, "compare", {"as_of": day.isoformat(), "names": names})
        return Answer("compare", out, row["id"], row["hash"], out, row["output_json"])

    def screen(self, who: Principal, payload: Any) -> Answer:
        p = _obj(payload)
        _only(p, ("name", "country", "threshold"))
        name = _str(p, "name", required=True)
        country = _str(p, "country", max_len=8)
        threshold = p.get("threshold")
        if threshold is not None and (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not 0 <= threshold <= 1
        ):
            raise BadInput("threshold", f"expected a number from 0 to 1, got {threshold!r}")
        inp = {"name": name, "country": country, "threshold": threshold}
        output, _, lists = compute("screen", inp, self.rulebook)
        assert name is not None
        body, context, invalidated = self._apply_clearances(name, country, output)

        def revoke(conn: Any, _row: dict[str, Any]) -> None:
            for cid in invalidated:
                conn.execute(
                    s.clearances.update()
                    .where(s.clearances.c.id == cid)
                    .values(revoked_at=self.now_iso())
                )

        row = self._record(who, "screen", inp, output, context=context, lists=lists, extra=revoke)
        same = body is output
        return Answer(
            "screen", output, row["id"], row["hash"], body, row["output_json"] if same else None
        )

    def _apply_clearances(
        self, name: str, country: str | None, output: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], list[int]]:
        """Drop hits cleared for this counterparty while the list record is unchanged."""
        if not output.get("hits"):
            return output, {}, []
        cleared = self.store.active_clearances(party_hash(name, country))
        if not cleared:
            return output, {}, []
        by_key = {c["record_key"]: c for c in cleared}
        kept: list[dict[str, Any]] = []
        suppressed: list[dict[str, Any]] = []
        invalidated: list[dict[str, Any]] = []
        for hit in output["hits"]:
            c = by_key.get(hit_record_key(hit))
            if c is None:
                kept.append(hit)
            elif c["record_hash"] == hit_record_hash(hit):
                suppressed.append({**hit, "clearance": _clearance_view(c)})
            else:
                kept.append(hit)
                invalidated.append(
                    {
                        **_clearance_view(c),
                        "record_key": c["record_key"],
                        "why": "the list record changed since it was cleared",
                    }
                )
        body = dict(output)
        body["hits"] = kept
        context: dict[str, Any] = {}
        if suppressed:
            body["suppressed"] = suppressed
            context["suppressed"] = [
                {"record_key": hit_record_key(h), "clearance_id": h["clearance"]["id"]}
                for h in suppressed
            ]
        if invalidated:
            body["clearances_invalidated"] = invalidated
            context["clearances_invalidated"] = [i["id"] for i in invalidated]
        return body, context, [i["id"] for i in invalidated]

    def match(self, who: Principal, payload: Any) -> Answer:
        p = _obj(payload)
        _only(p, ("left", "right", "schema"))
        left = _str(p, "left", required=True)
        right = _str(p, "right", required=True)
        schema_name = _str(p, "schema", max_len=40)
        inp: dict[str, Any] = {"left": left, "right": right}
        if schema_name is not None:
            inp["schema"] = schema_name
        out, row = self._answer(who, "match", inp)
        return Answer("match", out, row["id"], row["hash"], out, row["output_json"])

    def check(self, who: Principal, payload: Any) -> Answer:
        case = _obj(payload, "case")
        if "as_of" not in case:
            raise BadInput("as_of", "required field is missing")
        out, row = self._answer(who, "check", case)
        return Answer("check", out, row["id"], row["hash"], out, row["output_json"])

    # -- reference data ------------------------------------------------------------------

    def rules(self, as_of: str | None = None, rule_id: str | None = None) -> dict[str, Any]:
        day = parse_as_of(as_of) or self.today()
        view = self.rulebook.at(day)
        versions = view.versions_in_force()
        if rule_id is not None:
            if rule_id not in self.rulebook:
                raise NotFound("rule", rule_id)
            versions = [v for v in versions if v.rule_id == rule_id]
        return {
            "as_of": day.isoformat(),
            "rulebook": self.rulebook.version,
            "coverage": {
                "from": self.rulebook.coverage_from.isoformat(),
                "to": self.rulebook.coverage_to.isoformat(),
            },
            "rules": [
                {
                    "rule_id": v.rule_id,
                    "title": v.title,
                    "citation": v.citation,
                    "conf": v.conf,
                    "valid_from": v.valid_from.isoformat(),
                    "valid_to": v.valid_to.isoformat() if v.valid_to else None,
                    "enforced": v.enforced,
                    "unverified": v.unverified,
                    "source": v.source,
                    "url": v.url,
                    "note": v.note,
                    "values": json.loads(json.dumps(dict(v.values), default=str)),
                }
                for v in versions
            ],
        }

    def lists(self) -> dict[str, Any]:
        from chipcomply.screening import get_screener

        act = get_screener().lists  # the lists screening runs on (merged once, cached)
        return {
            "snapshots": [m.model_dump(mode="json") for m in act.snapshots],
            "ids": act.ids,
            "winner": act.winner,
            "records": len(act.records),
        }

    def import_list(
        self, who: Principal, filename: str, data: bytes, fmt: str | None, as_of: str | None
    ) -> dict[str, Any]:
        """Import a list edition (admin); refused files leave the active lists unchanged."""
        from chipcomply.lists import FORMATS, SnapshotStore

        if fmt is not None and fmt not in FORMATS:
            raise BadInput("format", f"must be one of {', '.join(FORMATS)}, got {fmt!r}")
        day = parse_as_of(as_of)
        name = Path(filename or "upload").name or "upload"
        with tempfile.TemporaryDirectory(prefix="chipcomply-import-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            meta = SnapshotStore().import_file(path, fmt, day)
        out = meta.model_dump(mode="json")
        inp = {"filename": name, "format": fmt, "as_of": as_of, "sha256": meta.sha256}
        self._record(who, "lists_import", inp, out, lists={meta.family: meta.id})
        return out

    def reset_lists(self, who: Principal, family: str | None) -> dict[str, Any]:
        from chipcomply.lists import SnapshotStore

        SnapshotStore().reset(family)
        out = self.lists()
        self._record(who, "lists_reset", {"family": family}, {"ids": out["ids"]}, lists=out["ids"])
        return out

    # -- list updates and monitoring ---------------------------------------------------

    def update_lists(
        self,
        who: Principal,
        sources: list[str] | None = None,
        as_of: date | None = None,
        fmt: str | None = None,
    ) -> dict[str, Any]:
        """Fetch, check, diff and activate new list editions (see ``chipcomply.lists.update``).

        Recorded in the audit trail whether it succeeds or is refused, with the snapshot ids
        before and after, so every later answer can be traced to the lists it used.
        """
        from chipcomply.lists import SnapshotStore
        from chipcomply.lists.update import update

        inp = {
            "from": list(sources) if sources else "official downloads",
            "as_of": as_of.isoformat() if as_of else None,
            "format": fmt,
        }
        try:
            result = update(sources or None, today=self.today(), as_of=as_of, fmt=fmt)
        except ChipcomplyError as exc:
            ids = SnapshotStore().active_ids()
            out = {"status": "refused", "error": exc.message, "active": ids}
            self._record(who, "lists_update", inp, out, lists=ids)
            raise
        out = result.as_dict()
        self._record(who, "lists_update", inp, out, lists=result.after)
        self._last_diff = result.diff
        return out

    def enrol(self, who: Principal, path: Path, origin: str = "file") -> dict[str, Any]:
        """Store the counterparties of a batch file (``name`` column, optional ``country``,
        ``id``) for monitoring. Bad rows are skipped and counted, as in ``screen-batch``."""
        rows, bad, first = _party_rows_from_file(path, origin, self.now_iso())
        from chipcomply.store import monitor as mon

        with self.store.begin() as conn:
            added = mon.add_parties(conn, rows)
        out = {
            "file": str(path),
            "rows": len(rows) + bad,
            "added": added,
            "known": len({r["party_hash"] for r in rows}) - added,
            "bad_rows": bad,
            "first_bad_row": first,
        }
        self._record(who, "monitor_enrol", {"file": path.name}, out)
        return out

    def monitor(
        self,
        who: Principal,
        *,
        sources: list[str] | None = None,
        update: bool = True,
        full: bool = False,
        threshold: float | None = None,
        as_of: date | None = None,
        workers: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, Any]:
        """List update + re-screen of every stored counterparty, in one audited run.

        New and changed list records are screened against every stored counterparty, the
        rest only where a list change could reach it (``chipcomply.lists.delta``); new
        counterparties (cases and desk batches since the last run, files enrolled) are
        screened in full. Alerts are then opened and closed from the stored hits and the
        good-guy list (``chipcomply.lists.alerts``). Returns the run's summary.
        """
        from chipcomply.screening.api import check_threshold
        from chipcomply.store import monitor as mon

        cutoff = check_threshold(threshold, "--threshold")
        started = self.now_iso()
        stale = (self.now() - timedelta(hours=MONITOR_STALE_HOURS)).astimezone(UTC).isoformat()
        try:
            run_id = mon.start_run(self.store, started, cutoff, stale)
        except ValueError as exc:
            raise DataError(f"{exc}; try again when it has finished") from None
        try:
            return self._monitor_run(
                who, run_id, started, cutoff, sources, update, full, as_of, workers, progress
            )
        except BaseException as exc:
            msg = (
                exc.message if isinstance(exc, ChipcomplyError) else f"{type(exc).__name__}: {exc}"
            )
            mon.fail_run(self.store, run_id, self.now_iso(), msg)
            if isinstance(exc, ChipcomplyError):
                self._record(
                    who,
                    "monitor_run",
                    {"run": run_id, "from": sources, "update": update, "full": full},
                    {"status": "failed", "run": run_id, "error": msg},
                )
            raise

    def _monitor_run(
        self,
        who: Principal,
        run_id: int,
        started: str,
        cutoff: float,
        sources: list[str] | None,
        update: bool,
        full: bool,
        as_of: date | None,
        workers: int | None,
        progress: Callable[[int, int], None] | None,
    ) -> dict[str, Any]:
        from chipcomply.lists import SnapshotStore
        from chipcomply.lists import delta as dl
        from chipcomply.lists.alerts import reconcile
        from chipcomply.lists.diff import ListDiff, diff_lists, record_hash
        from chipcomply.screening import get_screener
        from chipcomply.screening.index import NameIndex
        from chipcomply.store import monitor as mon

        clock = time.perf_counter()
        timings: dict[str, float] = {}

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[name] = round(now - clock, 3)
            clock = now

        prev = mon.last_done_run(self.store)
        before = None
        in_use = json.loads(prev["lists_after"]) if prev and prev["lists_after"] else None
        if update and not full and in_use == SnapshotStore().active_ids():
            before = get_screener()  # in memory in a long-lived process, else cached
        upd = self.update_lists(who, sources, as_of) if update else None
        lap("update")
        harvested, cases_seen, batches_seen = self._harvest(prev)
        lap("harvest")
        screener = get_screener()
        new_lists = screener.lists
        lists_key = new_lists.key
        engine = dl.engine_key(cutoff)
        lap("index")
        rows = mon.parties(self.store)
        old_ids: dict[str, str] | None = None
        note = ""
        if prev is not None and prev["lists_key"] and prev["lists_after"]:
            old_ids = json.loads(prev["lists_after"])
        same_lists = prev is not None and prev["lists_key"] == lists_key
        diff: ListDiff | None = None
        plan = dl.Plan(screener.index, cutoff)
        todo: list[dl.Party] = []
        current_ids: set[int] = set()
        for r in rows:
            current = (
                not full
                and prev is not None
                and r["lists_key"] == prev["lists_key"]
                and r["engine_key"] == engine
            )
            if current and same_lists:
                current_ids.add(int(r["id"]))
                continue  # screened against exactly these lists already
            todo.append(
                dl.Party(
                    int(r["id"]),
                    str(r["name"]),
                    r["country"],
                    frozenset(r["band"]),
                    float(r["margin"] or 0.0),
                    current,
                )
            )
        if any(p.current for p in todo) and old_ids is not None:
            try:
                old_lists = SnapshotStore().lists_for(old_ids)
            except ChipcomplyError as exc:
                note = f"previous lists unavailable ({exc.message}); re-screened in full"
                todo = [dataclasses.replace(p, current=False) for p in todo]
            else:
                last = self._last_diff
                if last is not None and (last.before, last.after) == (old_ids, new_lists.ids):
                    diff = last  # computed by the update a moment ago
                else:
                    diff = diff_lists(old_lists, new_lists)
                band = set().union(*(p.band for p in todo if p.current))
                # the index of the lists in use before the update, when it is at hand
                if before is not None and before.lists.ids == old_lists.ids:
                    old_index = before.index
                else:
                    old_index = NameIndex(old_lists.records)
                plan = dl.delta_plan(
                    screener.index, cutoff, old_index, old_lists.records, diff, band
                )
                del old_index
        before = None
        lap("plan")
        total = len(todo)
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(done, total)

        results = dl.screen_parties(plan, todo, workers=workers, progress=step)
        lap("screen")
        by_id = {int(r["id"]): r for r in rows}
        changed: dict[int, list[dict[str, Any]]] = {}
        keys: dict[int, dict[str, Any]] = {}
        modes: dict[str, int] = {}
        why: dict[str, int] = {}
        errors: list[dict[str, Any]] = []
        now = self.now_iso()
        for res in results:
            modes[res.mode] = modes.get(res.mode, 0) + 1
            if res.mode == "error":
                errors.append({"counterparty": res.id, "error": res.why})
                continue
            if res.mode == "full" and res.why:
                why[res.why] = why.get(res.why, 0) + 1
            new_rows = sorted(
                (
                    {
                        "record_uid": f.uid,
                        "score": f.score,
                        "matched_name": f.matched_name,
                        "hit": f.uid in res.hits,
                    }
                    for f in res.band.values()
                ),
                key=lambda x: str(x["record_uid"]),
            )
            if new_rows != by_id[res.id]["matches"]:
                changed[res.id] = new_rows
            keys[res.id] = {
                "lists_key": lists_key,
                "engine_key": engine,
                "margin": res.margin,
                "screened_at": now,
            }
        with self.store.begin() as conn:
            mon.write_matches(conn, changed, keys)
        lap("store matches")

        first_seen = {int(r["id"]) for r in rows if r["lists_key"] is None}
        records = {r.uid: r for r in new_lists.records}
        hashes: dict[str, str] = dict(diff.new_hashes) if diff else {}

        def rec_hash(rec: Any) -> str:
            h = hashes.get(rec.uid)
            if h is None:
                h = hashes[rec.uid] = record_hash(rec)
            return h

        def snapshot_of(rec: Any) -> str:
            return str(new_lists.winner.get(rec.source_code, rec.snapshot or ""))

        plan_alerts = reconcile(
            mon.stored_hits(self.store),
            mon.open_alerts(self.store),
            mon.active_clearances(self.store),
            {int(r["id"]): str(r["party_hash"]) for r in rows},
            records,
            rec_hash,
            snapshot_of,
            diff=diff,
            first_seen=first_seen,
            run=run_id,
            now=now,
        )
        lap("reconcile")

        def party(cid: int) -> dict[str, Any]:
            r = by_id[cid]
            return {
                "id": cid,
                "name": r["name"],
                "country": r["country"],
                "external_id": r["external_id"],
            }

        new_alerts = [
            {
                "counterparty": party(a["counterparty_id"]),
                "record": {
                    "uid": a["record_uid"],
                    "name": a["list_name"],
                    "source": a["source"],
                    "entity_number": a["entity_number"],
                    "snapshot": a["snapshot_id"],
                },
                "matched_name": a["matched_name"],
                "score": a["score"],
                "reason": a["open_reason"],
            }
            for a in plan_alerts.opens
        ]
        closed_alerts = [
            {
                "alert": a["id"],
                "counterparty": party(int(a["counterparty_id"])),
                "record": {
                    "uid": a["record_uid"],
                    "name": a["list_name"],
                    "source": a["source"],
                    "entity_number": a["entity_number"],
                },
                "reason": reason,
            }
            for a, reason in plan_alerts.closes
        ]
        open_before = len(mon.open_alerts(self.store))
        summary: dict[str, Any] = {
            "run": run_id,
            "status": "done",
            "started_at": started,
            "threshold": cutoff,
            "update": upd,
            "lists": {"before": old_ids, "after": new_lists.ids},
            "records": diff.counts() if diff else None,
            "counterparties": {
                "stored": len(rows),
                "enrolled_now": harvested,
                "unchanged": len(current_ids),
                "screened_delta": modes.get("delta", 0),
                "screened_full": modes.get("full", 0),
                "errors": modes.get("error", 0),
            },
            "full_rescreen_reasons": dict(sorted(why.items())),
            "weights": plan.shift.as_dict() if plan.shift else None,
            "alerts": {
                "opened": len(plan_alerts.opens),
                "closed": len(plan_alerts.closes),
                "open": open_before + len(plan_alerts.opens) - len(plan_alerts.closes),
                "suppressed_by_clearances": plan_alerts.suppressed,
                "clearances_invalidated": len(plan_alerts.revoke),
            },
            "new_alerts": new_alerts,
            "closed_alerts": closed_alerts,
            "errors": errors[:50],
            "note": note or None,
        }

        def write(conn: Any, row: dict[str, Any]) -> None:
            at = row["created_at"]
            ids = mon.open_alert_rows(conn, plan_alerts.opens)
            for alert, new_id in zip(new_alerts, ids, strict=True):
                alert["alert"] = new_id
            mon.close_alerts(conn, [(a["id"], r) for a, r in plan_alerts.closes], at, run_id)
            mon.refresh_alerts(conn, plan_alerts.refreshes)
            mon.revoke_clearances(conn, [c["id"] for c in plan_alerts.revoke], at)
            mon.finish_run(
                conn,
                run_id,
                status="done",
                finished_at=at,
                lists_before=json.dumps(old_ids) if old_ids else None,
                lists_after=json.dumps(new_lists.ids),
                lists_key=lists_key,
                engine_key=engine,
                cases_seen=cases_seen,
                batches_seen=batches_seen,
                audit_id=row["id"],
            )

        inp = {
            "run": run_id,
            "from": sources,
            "update": update,
            "full": full,
            "threshold": cutoff,
        }
        record = self._record(who, "monitor_run", inp, summary, lists=new_lists.ids, extra=write)
        lap("write alerts")
        summary["audit_id"] = record["id"]
        summary["timings"] = timings
        with self.store.begin() as conn:
            mon.finish_run(conn, run_id, summary=summary)
        return summary

    def _harvest(self, prev: dict[str, Any] | None) -> tuple[int, int, int]:
        """Counterparties of the cases and desk batches since the last monitor run."""
        from chipcomply.store import monitor as mon

        cases_seen = int(prev["cases_seen"]) if prev else 0
        batches_seen = int(prev["batches_seen"]) if prev else 0
        now = self.now_iso()
        rows: list[dict[str, Any]] = []
        for c in mon.cases_after(self.store, cases_seen):
            cases_seen = int(c["id"])
            row = _party_row(c["counterparty"], c["country"], None, "case", f"case {c['id']}", now)
            if row is not None:
                rows.append(row)
        for b in mon.batches_after(self.store, batches_seen):
            if b["status"] == "running":
                break  # its rows are taken in once it is done
            batches_seen = int(b["id"])
            if b["status"] != "done" or not b["result_json"]:
                continue
            for r in json.loads(b["result_json"]).get("rows", []):
                row = _party_row(
                    r.get("name"), r.get("country"), r.get("id"), "batch", f"batch {b['id']}", now
                )
                if row is not None:
                    rows.append(row)
        added = 0
        if rows:
            with self.store.begin() as conn:
                added = mon.add_parties(conn, rows)
        return added, cases_seen, batches_seen

    def monitor_alerts(
        self, state: str | None = "open", limit: int | None = None
    ) -> list[dict[str, Any]]:
        from chipcomply.store import monitor as mon

        return mon.alerts(self.store, state, limit)

    def catalog_names(self) -> list[str]:
        return [r.display_name for r in default_catalog().records]

    # -- batch screening -----------------------------------------------------------------

    def start_batch(self, who: Principal, filename: str, data: bytes) -> int:
        columns, rows = parse_batch_csv(data)
        with self.store.writing() as conn:
            job_id = self.store.insert(
                conn,
                s.batch_jobs,
                status="running",
                filename=filename[:500] or "upload.csv",
                total=len(rows),
                done=0,
                hits=0,
                created_by=who.label,
                created_at=self.now_iso(),
            )
        inp = {"filename": filename, "columns": columns, "rows": rows}
        t = threading.Thread(target=self._run_batch, args=(who, job_id, inp), daemon=True)
        t.start()
        return job_id

    def _run_batch(self, who: Principal, job_id: int, inp: dict[str, Any]) -> None:
        try:
            rows: list[dict[str, str]] = inp["rows"]

            def progress(done: int, hits: int) -> None:
                if done % 10 == 0 or done == len(rows):
                    self.store.update(s.batch_jobs, job_id, done=done, hits=hits)

            output, lists = screen_batch(inp, progress)
            rec = self._record(who, "screen_batch", inp, output, lists=lists)
            self.store.update(
                s.batch_jobs,
                job_id,
                status="done",
                result_json=canonical_json(output),
                audit_id=rec["id"],
            )
        except Exception as exc:  # recorded on the job; the thread must not die silently
            msg = exc.message if isinstance(exc, ChipcomplyError) else f"internal error: {exc!r}"
            self.store.update(s.batch_jobs, job_id, status="failed", error=msg)

    def batch(self, job_id: int) -> dict[str, Any]:
        job = self.store.row(s.batch_jobs, job_id)
        if job is None:
            raise NotFound("batch job", job_id)
        out = {
            k: job[k]
            for k in (
                "id",
                "status",
                "filename",
                "total",
                "done",
                "hits",
                "created_by",
                "created_at",
                "error",
                "audit_id",
            )
        }
        result = json.loads(job["result_json"]) if job["result_json"] else None
        out["columns"] = result["columns"] if result else None
        out["rows"] = result["rows"] if result else None
        return out

    def batch_csv(self, job_id: int) -> str:
        job = self.batch(job_id)
        if job["status"] != "done" or job["rows"] is None:
            raise BadInput("job", f"batch job {job_id} is {job['status']}, not done")
        rows: list[dict[str, Any]] = job["rows"]
        cols: list[str] = job["columns"]
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow(
                {
                    k: (
                        json.dumps(v, ensure_ascii=False)
                        if isinstance(v, list | dict)
                        else ("true" if v is True else "false" if v is False else v)
                    )
                    for k, v in r.items()
                }
            )
        return buf.getvalue()

    # -- cases ----------------------------------------------------------------------------

    def create_case(self, who: Principal, payload: Any) -> dict[str, Any]:
        p = _obj(payload)
        _only(p, ("audit_id", "title", "screen", "check"))
        given = [k for k in ("audit_id", "screen", "check") if p.get(k) is not None]
        if len(given) != 1:
            raise BadInput("audit_id", "give exactly one of audit_id, screen or check")
        title = _str(p, "title", max_len=500)
        if "audit_id" in given:
            aid = p["audit_id"]
            if isinstance(aid, bool) or not isinstance(aid, int):
                raise BadInput("audit_id", f"expected an integer, got {aid!r}")
        elif "screen" in given:
            aid = self.screen(who, p["screen"]).audit_id
        else:
            aid = self.check(who, p["check"]).audit_id
        rec = self.store.audit_record(aid)
        if rec is None:
            raise NotFound("audit record", aid)
        if rec["kind"] not in ("screen", "check"):
            raise BadInput(
                "audit_id", f"record {aid} is a {rec['kind']}, not a screening or determination"
            )
        inp = json.loads(rec["input_json"])
        if rec["kind"] == "screen":
            kind, counterparty, country = "screening", inp["name"], inp.get("country")
            title = title or f"Screening: {counterparty}"
        else:
            kind = "determination"
            party = _main_party(inp)
            counterparty = party.get("name") if party else None
            country = inp.get("to_country")
            title = title or (
                f"Determination: {inp.get('activity', 'case')} to {country or '?'} "
                f"as of {inp.get('as_of')}" + (f" — {counterparty}" if counterparty else "")
            )

        def add(conn: Any, row: dict[str, Any]) -> None:
            holder["id"] = self.store.insert(
                conn,
                s.cases,
                kind=kind,
                title=title[:500],
                counterparty=counterparty,
                country=country if isinstance(country, str) else None,
                status="open",
                created_by=who.label,
                created_at=row["created_at"],
                audit_id=aid,
            )

        holder: dict[str, int] = {}
        self._record(
            who, "case_create", {"audit_id": aid, "title": title}, {"kind": kind}, extra=add
        )
        return self.case(holder["id"])

    def cases(self, limit: int = 200) -> list[dict[str, Any]]:
        out = []
        for c in self.store.rows(s.cases, order=s.cases.c.id.desc(), limit=limit):
            detail = self.case(int(c["id"]))
            for bulky in ("answer", "hits", "input"):  # the list is a summary; GET one for all
                detail.pop(bulky, None)
            out.append(detail)
        return out

    def case(self, case_id: int) -> dict[str, Any]:
        c = self.store.row(s.cases, case_id)
        if c is None:
            raise NotFound("case", case_id)
        rec = self.store.audit_record(int(c["audit_id"]))
        assert rec is not None
        answer = json.loads(rec["output_json"])
        context = json.loads(rec["context_json"])
        disp = self.store.rows(s.dispositions, s.dispositions.c.case_id == case_id)
        res = self.store.rows(s.red_flag_resolutions, s.red_flag_resolutions.c.case_id == case_id)
        out: dict[str, Any] = {
            **{
                k: c[k]
                for k in (
                    "id",
                    "kind",
                    "title",
                    "counterparty",
                    "country",
                    "status",
                    "created_by",
                    "created_at",
                    "audit_id",
                )
            },
            "audit_hash": rec["hash"],
            "input": json.loads(rec["input_json"]),
            "answer": answer,
            "versions": {
                "rulebook": rec["rulebook_version"],
                "lists": json.loads(rec["lists_json"]),
                "engine": rec["engine_version"],
            },
            "dispositions": [_disp_view(d) for d in disp],
            "red_flag_resolutions": [
                {
                    k: r[k]
                    for k in ("id", "flag_id", "resolution", "reviewer", "created_at", "audit_id")
                }
                for r in res
            ],
        }
        if c["kind"] == "screening":
            latest = {d["record_key"]: d["decision"] for d in disp}
            hits = answer.get("hits", [])
            out["hits"] = [
                {**h, "record_key": hit_record_key(h), "disposition": latest.get(hit_record_key(h))}
                for h in hits
            ]
            out["suppressed"] = context.get("suppressed", [])
            out["open_hits"] = sum(
                1 for h in out["hits"] if h["disposition"] in (None, "escalated")
            )
        else:
            resolved = {r["flag_id"] for r in res}
            flags = _flag_ids(answer.get("red_flags", []))
            out["open_red_flags"] = [f for f in flags if f not in resolved]
            out["outcome"] = answer.get("outcome")
        return out

    def disposition(self, who: Principal, case_id: int, payload: Any) -> dict[str, Any]:
        p = _obj(payload)
        _only(p, ("record_key", "decision", "reason"))
        record_key = _str(p, "record_key", required=True, max_len=300)
        decision = _str(p, "decision", required=True, max_len=20)
        reason = _str(p, "reason", required=True, max_len=5000)
        if decision not in DECISIONS:
            raise BadInput("decision", f"must be one of {', '.join(DECISIONS)}, got {decision!r}")
        case = self.case(case_id)
        if case["kind"] != "screening":
            raise BadInput("case", f"case {case_id} is a determination; hits belong to screenings")
        hit = next((h for h in case["hits"] if h["record_key"] == record_key), None)
        if hit is None:
            raise BadInput("record_key", f"no hit {record_key!r} in case {case_id}")
        assert reason is not None and decision is not None
        name, country = case["input"]["name"], case["input"].get("country")
        cp_hash = party_hash(name, country)
        rec_hash = hit_record_hash(hit)
        ids: dict[str, int | None] = {"disposition_id": None, "clearance_id": None}

        def add(conn: Any, row: dict[str, Any]) -> None:
            now = row["created_at"]
            did = self.store.insert(
                conn,
                s.dispositions,
                case_id=case_id,
                record_key=record_key,
                source=str(hit.get("source", "")),
                entity_number=hit.get("entity_number"),
                list_name=str(hit.get("name", "")),
                decision=decision,
                reason=reason,
                reviewer=who.label,
                created_at=now,
                audit_id=row["id"],
            )
            ids["disposition_id"] = did
            cl = s.clearances
            # any earlier clearance of this pair is superseded by the newest decision
            conn.execute(
                cl.update()
                .where(
                    cl.c.counterparty_hash == cp_hash,
                    cl.c.record_key == record_key,
                    cl.c.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            )
            if decision == "false_positive":
                ids["clearance_id"] = self.store.insert(
                    conn,
                    cl,
                    counterparty_hash=cp_hash,
                    record_key=record_key,
                    record_hash=rec_hash,
                    counterparty=name,
                    country=country,
                    disposition_id=did,
                    reviewer=who.label,
                    reason=reason,
                    created_at=now,
                )

        inp = {
            "case_id": case_id,
            "record_key": record_key,
            "decision": decision,
            "reason": reason,
            "counterparty_hash": cp_hash,
            "record_hash": rec_hash,
        }
        row = self._record(who, "disposition", inp, {"decision": decision}, extra=add)
        return {
            **ids,
            "audit_id": row["id"],
            "decision": decision,
            "record_key": record_key,
            "reviewer": who.label,
        }

    def resolve_red_flag(self, who: Principal, case_id: int, payload: Any) -> dict[str, Any]:
        p = _obj(payload)
        _only(p, ("flag_id", "resolution"))
        flag_id = _str(p, "flag_id", required=True, max_len=100)
        resolution = _str(p, "resolution", required=True, max_len=5000)
        case = self.case(case_id)
        if case["kind"] != "determination":
            raise BadInput(
                "case", f"case {case_id} is a screening; red flags belong to determinations"
            )
        if flag_id not in _flag_ids(case["answer"].get("red_flags", [])):
            raise BadInput("flag_id", f"{flag_id!r} is not a red flag of case {case_id}")
        holder: dict[str, int] = {}

        def add(conn: Any, row: dict[str, Any]) -> None:
            holder["id"] = self.store.insert(
                conn,
                s.red_flag_resolutions,
                case_id=case_id,
                flag_id=flag_id,
                resolution=resolution,
                reviewer=who.label,
                created_at=row["created_at"],
                audit_id=row["id"],
            )

        row = self._record(
            who,
            "red_flag_resolution",
            {"case_id": case_id, "flag_id": flag_id, "resolution": resolution},
            {"resolved": flag_id},
            extra=add,
        )
        return {
            "id": holder["id"],
            "flag_id": flag_id,
            "audit_id": row["id"],
            "reviewer": who.label,
        }

    def recheck(self, who: Principal, case_id: int) -> dict[str, Any]:
        """Re-run a determination case with its recorded red-flag resolutions; a new case."""
        case = self.case(case_id)
        if case["kind"] != "determination":
            raise BadInput("case", f"case {case_id} is not a determination")
        inp = dict(case["input"])
        as_of = str(inp.get("as_of", ""))
        merged = {r.get("id"): r for r in inp.get(RESOLUTIONS_FIELD) or [] if isinstance(r, dict)}
        for r in case["red_flag_resolutions"]:
            recorded = r["created_at"][:10]
            text = r["resolution"]
            # The case is judged as of its own date; a resolution recorded later says so.
            if recorded > as_of:
                text = f"{text} (recorded {recorded})"
            merged[r["flag_id"]] = {
                "id": r["flag_id"],
                "resolution": text,
                "resolved_by": r["reviewer"],
                "date": min(recorded, as_of),
            }
        if merged:
            inp[RESOLUTIONS_FIELD] = [merged[k] for k in sorted(merged, key=str)]
        answer = self.check(who, inp)
        return self.create_case(who, {"audit_id": answer.audit_id, "title": case["title"]})

    # -- audit ----------------------------------------------------------------------------

    def audit_records(
        self, after: int = 0, limit: int = 50, kind: str | None = None
    ) -> list[dict[str, Any]]:
        if not 1 <= limit <= 500:
            raise BadInput("limit", "must be from 1 to 500")
        return [
            audit_view(r) for r in self.store.audit_records(after=after, limit=limit, kind=kind)
        ]

    def audit_record(self, record_id: int) -> dict[str, Any]:
        rec = self.store.audit_record(record_id)
        if rec is None:
            raise NotFound("audit record", record_id)
        return audit_view(rec, full=True)

    def verify(self) -> dict[str, Any]:
        return self.store.verify_audit().model_dump()

    def _book_for(self, version: str) -> RuleBook:
        if version == self.rulebook.version:
            return self.rulebook
        if version in self._replay_books:
            return self._replay_books[version]
        files = self.store.bundle(version)
        if files is None:
            raise DataError(f"rulebook {version} is not stored in this database; cannot replay")
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for rel, text in files.items():
                path = root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, "utf-8")
            book = load_rulebook(root)
        if book.version != version:
            raise DataError(f"stored rulebook {version} reloads as {book.version}")
        self._replay_books[version] = book
        return book

    def replay(self, record_id: int) -> Replay:
        rec = self.store.audit_record(record_id)
        if rec is None:
            raise NotFound("audit record", record_id)
        kind = rec["kind"]
        if kind not in ANSWER_KINDS:
            raise BadInput("ID", f"record {record_id} is a {kind} event, not an answer to replay")
        stored = rec["output_json"]
        inp = json.loads(rec["input_json"])
        problem = None
        if rec["engine_version"] != ENGINE_VERSION:
            problem = f"recorded by engine {rec['engine_version']}, replayed by {ENGINE_VERSION}"
        book = self._book_for(rec["rulebook_version"]) if rec["rulebook_version"] else self.rulebook
        output, lists = (
            screen_batch(inp) if kind == "screen_batch" else compute(kind, inp, book)[::2]
        )
        recomputed = canonical_json(output)
        if lists != json.loads(rec["lists_json"]):
            problem = (problem + "; " if problem else "") + (
                f"list snapshots differ: recorded {rec['lists_json']}, now {canonical_json(lists)}"
            )
        identical = recomputed == stored
        diff = ""
        if not identical:
            diff = "".join(
                difflib.unified_diff(
                    _pretty(stored).splitlines(keepends=True),
                    _pretty(recomputed).splitlines(keepends=True),
                    fromfile=f"audit/{record_id}/stored",
                    tofile=f"audit/{record_id}/replayed",
                )
            )
        return Replay(record_id, kind, identical, stored, recomputed, diff, problem)

    # -- keys -----------------------------------------------------------------------------

    def create_key(self, who: Principal, role: str, label: str | None = None) -> dict[str, Any]:
        key_id, key = self.store.create_key(role, label or role)
        self._record(who, "key_create", {"role": role, "label": label or role}, {"key_id": key_id})
        return {"key": key, "key_id": key_id, "role": role, "label": label or role}

    def ensure_first_admin(self) -> str | None:
        """On a database with no keys, create an admin key and return it (else None)."""
        if self.store.count_keys():
            return None
        return str(self.create_key(SYSTEM, "admin", "first-run admin")["key"])

    def revoke_key(self, who: Principal, key_id: str) -> dict[str, Any]:
        if not self.store.revoke_key(key_id):
            raise NotFound("live key", key_id)
        self._auth_cache.clear()
        self._record(who, "key_revoke", {"key_id": key_id}, {"revoked": True})
        return {"key_id": key_id, "revoked": True}

    def cached_principal(self, key: str) -> Principal | None:
        """A key authenticated in the last few seconds, without touching the database."""
        hit = self._auth_cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        return None

    def authenticate(self, key: str) -> Principal | None:
        row = self.store.authenticate(key)
        if row is None:
            return None
        who = Principal(row["key_id"], row["role"], row["label"])
        if len(self._auth_cache) > 10_000:
            self._auth_cache.clear()
        self._auth_cache[key] = (time.monotonic() + AUTH_CACHE_SECONDS, who)
        return who

    def login(self, key: str) -> tuple[Principal, str, str] | None:
        who = self.authenticate(key)
        if who is None:
            return None
        expires = (self.now() + timedelta(hours=SESSION_HOURS)).astimezone(UTC).isoformat()
        token, csrf = self.store.create_session(who.key_id, expires)
        return who, token, csrf

    def session(self, token: str) -> tuple[Principal, str] | None:
        row = self.store.session(token, self.now_iso())
        if row is None:
            return None
        return Principal(row["key_id"], row["role"], row["label"]), str(row["csrf_token"])

    def logout(self, token: str) -> None:
        self.store.end_session(token)


# -- the computations (shared by live answers and replay) --------------------------------

#: The determination case field that carries recorded red-flag resolutions.
RESOLUTIONS_FIELD = "red_flag_resolutions"


def compute(
    kind: str, inp: dict[str, Any], book: RuleBook
) -> tuple[dict[str, Any], str | None, dict[str, str]]:
    """(output, rulebook version, list snapshot ids) for one answer kind and its input."""
    if kind == "classify":
        day = date.fromisoformat(inp["as_of"])
        if inp.get("chip") is not None:
            cat = default_catalog()
            cls = cat.classify(cat.lookup(inp["chip"], field="chip"), day, book)
        else:
            cls = classify(parse_model(ChipSpec, inp["spec"], "spec"), day, book)
        return cls.model_dump(mode="json"), book.version, {}
    if kind == "compare":
        cmp = compare(inp["names"], date.fromisoformat(inp["as_of"]), rulebook=book)
        return cmp.model_dump(mode="json"), book.version, {}
    if kind == "screen":
        from chipcomply.screening import screen

        res = screen(inp["name"], country=inp.get("country"), threshold=inp.get("threshold"))
        out = res.model_dump(mode="json")
        return out, None, dict(out.get("lists") or {})
    if kind == "match":
        from chipcomply.screening import match_names

        matched = match_names(inp["left"], inp["right"], schema=inp.get("schema"))
        return matched.model_dump(mode="json"), None, {}
    if kind == "check":
        from chipcomply.logic.determine import determine

        det = determine(inp, rulebook=book)
        out = det.model_dump(mode="json")
        versions = out.get("versions") or {}
        lists = versions.get("lists") or {}
        return out, book.version, dict(lists) if isinstance(lists, dict) else {"lists": str(lists)}
    raise BadInput("kind", f"unknown answer kind {kind!r}")


BATCH_COLUMNS = ("hit", "top_name", "top_source", "top_score", "hits")


def screen_batch(
    inp: dict[str, Any], progress: Callable[[int, int], None] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Screen every row of a batch; the output keeps the input columns, in order."""
    from chipcomply.screening import screen

    rows: list[dict[str, str]] = inp["rows"]
    out_rows: list[dict[str, Any]] = []
    hits = 0
    lists: dict[str, str] = {}
    for i, row in enumerate(rows, 1):
        res = screen(row["name"], country=row.get("country") or None).model_dump(mode="json")
        lists = dict(res.get("lists") or {})
        out_rows.append(batch_row(row, res))
        hits += bool(res["hits"])
        if progress is not None:
            progress(i, hits)
    columns = [*inp["columns"], *(c for c in BATCH_COLUMNS if c not in inp["columns"])]
    return {"columns": columns, "rows": out_rows, "hits": hits, "total": len(rows)}, lists


def batch_row(row: dict[str, str], res: dict[str, Any]) -> dict[str, Any]:
    hits = res.get("hits") or []
    top = hits[0] if hits else {}
    return {
        **row,
        "hit": bool(hits),
        "top_name": top.get("name", ""),
        "top_source": top.get("source", ""),
        "top_score": top.get("score", ""),
        "hits": [
            {k: h.get(k) for k in ("name", "matched_name", "source", "entity_number", "score")}
            for h in hits[:5]
        ],
    }


def parse_batch_csv(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput("file", f"not valid UTF-8 (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise BadInput("file", "the file is empty") from None
    except csv.Error as exc:
        raise BadInput("file line 1", str(exc)) from None
    header = [h.strip() for h in header]
    if "name" not in header:
        raise BadInput("file line 1", "no 'name' column in the header")
    rows: list[dict[str, str]] = []
    try:
        for lineno, cells in enumerate(reader, 2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise BadInput(
                    f"file line {lineno}", f"{len(cells)} cells, header has {len(header)}"
                )
            row = dict(zip(header, cells, strict=True))
            if not row["name"].strip():
                raise BadInput(f"file line {lineno}", "empty name")
            if len(row["name"]) > MAX_NAME:
                raise BadInput(f"file line {lineno}", f"name longer than {MAX_NAME} characters")
            rows.append(row)
            if len(rows) > MAX_BATCH_ROWS:
                raise BadInput("file", f"more than {MAX_BATCH_ROWS} rows")
    except csv.Error as exc:
        raise BadInput(f"file line {reader.line_num}", str(exc)) from None
    if not rows:
        raise BadInput("file", "no rows below the header")
    if len(set(header)) != len(header):
        raise BadInput("file line 1", "repeated column names")
    return header, rows


#: A monitor run still marked running after this long is taken for a dead process.
MONITOR_STALE_HOURS = 6


def _party_row(
    name: Any, country: Any, external_id: Any, origin: str, ref: str, now: str
) -> dict[str, Any] | None:
    """A counterparties row, or None for a name or country that cannot be screened."""
    from chipcomply.lists.countries import check_country
    from chipcomply.screening.normalise import check_name

    if not isinstance(name, str) or not name.strip():
        return None
    try:
        name = check_name(name, "name")
        cc = check_country(country if isinstance(country, str) else None, "country")
    except BadInput:
        return None
    ext = str(external_id)[:200] if external_id not in (None, "") else None
    return {
        "party_hash": party_hash(name, cc),
        "name": name,
        "country": cc,
        "external_id": ext,
        "origin": origin,
        "origin_ref": ref[:500],
        "created_at": now,
    }


def _party_rows_from_file(
    path: Path, origin: str, now: str
) -> tuple[list[dict[str, Any]], int, str | None]:
    """Counterparty rows of a batch file; bad rows are counted, the first one named."""
    from chipcomply.lists.countries import check_country
    from chipcomply.screening.batch import find_column, read_table
    from chipcomply.screening.normalise import check_name

    header, table = read_table(path, "--enrol")
    name_col = find_column(header, "name")
    if name_col is None:
        shown = ", ".join(header) or "none"
        raise BadInput("--enrol", f"{path.name} has no 'name' column (columns: {shown})")
    country_col = find_column(header, "country")
    id_col = find_column(header, "id")
    rows: list[dict[str, Any]] = []
    bad = 0
    first: str | None = None
    for number, cells, fld, problem in table:
        try:
            if cells is None:
                raise BadInput(fld or "row", problem or "unreadable")
            name = check_name(cells[name_col], name_col)
            raw_cc = cells.get(country_col, "") if country_col else ""
            cc = check_country(raw_cc, country_col or "country") if raw_cc.strip() else None
        except BadInput as exc:
            bad += 1
            first = first or f"row {number}: {exc.message}"
            continue
        ext = cells.get(id_col) if id_col else None
        rows.append(
            {
                "party_hash": party_hash(name, cc),
                "name": name,
                "country": cc,
                "external_id": ext[:200] if ext else None,
                "origin": origin,
                "origin_ref": f"{path.name} row {number}"[:500],
                "created_at": now,
            }
        )
    return rows, bad, first


def _main_party(case: dict[str, Any]) -> dict[str, Any] | None:
    parties = case.get("parties") or []
    if not isinstance(parties, list):
        return None
    for role in ("end_user", "consignee", "buyer", "iaas_customer"):
        for party in parties:
            if isinstance(party, dict) and party.get("role") == role:
                return party
    return parties[0] if parties and isinstance(parties[0], dict) else None


def _flag_ids(flags: list[Any]) -> list[str]:
    out = []
    for f in flags:
        if isinstance(f, str):
            out.append(f)
        elif isinstance(f, dict):
            fid = f.get("id") or f.get("flag_id") or f.get("rule_id")
            if fid and (f.get("status") in (None, "open", "unresolved")):
                out.append(str(fid))
    return out


def _clearance_view(c: dict[str, Any]) -> dict[str, Any]:
    return {k: c[k] for k in ("id", "reviewer", "reason", "created_at", "disposition_id")}


def _disp_view(d: dict[str, Any]) -> dict[str, Any]:
    return {
        k: d[k]
        for k in (
            "id",
            "record_key",
            "source",
            "entity_number",
            "list_name",
            "decision",
            "reason",
            "reviewer",
            "created_at",
            "audit_id",
        )
    }


def audit_view(rec: dict[str, Any], full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        k: rec[k]
        for k in (
            "id",
            "kind",
            "created_at",
            "user_name",
            "role",
            "rulebook_version",
            "engine_version",
            "prev_hash",
            "hash",
        )
    }
    out["lists"] = json.loads(rec["lists_json"])
    if full:
        out["input"] = json.loads(rec["input_json"])
        out["output"] = json.loads(rec["output_json"])
        out["context"] = json.loads(rec["context_json"])
    return out


_DESKS: dict[str, Desk] = {}
_DESKS_LOCK = threading.Lock()


def get_desk(db: str | None = None) -> Desk:
    """The desk for a database URL (the default SQLite file when None), one per process."""
    store = open_store(db)
    with _DESKS_LOCK:
        desk = _DESKS.get(store.url)
        if desk is None:
            desk = Desk(store)
            _DESKS[store.url] = desk
        return desk
