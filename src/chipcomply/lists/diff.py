"""Record-level differences between two sets of active lists.

A record is identified by its ``uid`` (source code + entity number, or a hash of its name
when the list gives no number) and compared by its *content hash*: sha256 of the record's
canonical JSON without the fields that change with every edition (``snapshot``). This is the
same hash the desk keeps with a good-guy clearance (``service.hit_record_hash``), so "the
record changed" means the same thing for a clearance, an alert and a list update.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from chipcomply.lists.records import ListRecord
from chipcomply.lists.store import ActiveLists

#: Record fields that change with every list edition without the entry itself changing.
VOLATILE_FIELDS = ("snapshot",)


def _canonical(value: Any) -> str:
    try:
        import orjson
    except ImportError:  # the core runs without the service extra
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")


def record_hash(record: ListRecord) -> str:
    """The content hash of a list record (see the module docstring)."""
    content = record.model_dump(mode="json")
    for key in VOLATILE_FIELDS:
        content.pop(key, None)
    return hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()


def record_hashes(records: Iterable[ListRecord]) -> dict[str, str]:
    return {r.uid: record_hash(r) for r in records}


@dataclass(frozen=True)
class RecordChange:
    uid: str
    source_code: str
    name: str
    entity_number: str | None
    old_hash: str | None
    new_hash: str | None
    fields: tuple[str, ...] = ()  # for a changed record: the fields that differ

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "uid": self.uid,
            "source": self.source_code,
            "name": self.name,
            "entity_number": self.entity_number,
        }
        if self.fields:
            out["fields"] = list(self.fields)
        return out


@dataclass(frozen=True)
class ListDiff:
    """What changed from ``before`` to ``after`` (snapshot ids per family)."""

    before: dict[str, str]
    after: dict[str, str]
    added: tuple[RecordChange, ...] = ()
    removed: tuple[RecordChange, ...] = ()
    changed: tuple[RecordChange, ...] = ()
    unchanged: int = 0
    new_hashes: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
        }

    def as_dict(self, limit: int | None = None) -> dict[str, Any]:
        def cut(items: tuple[RecordChange, ...]) -> list[dict[str, Any]]:
            return [c.as_dict() for c in (items if limit is None else items[:limit])]

        return {
            "before": self.before,
            "after": self.after,
            "counts": self.counts(),
            "added": cut(self.added),
            "removed": cut(self.removed),
            "changed": cut(self.changed),
        }


def _fields(old: ListRecord, new: ListRecord) -> tuple[str, ...]:
    a = old.model_dump(mode="json")
    b = new.model_dump(mode="json")
    return tuple(
        k for k in sorted(set(a) | set(b)) if k not in VOLATILE_FIELDS and a.get(k) != b.get(k)
    )


def diff_lists(old: ActiveLists, new: ActiveLists) -> ListDiff:
    """Added, removed and changed records, by uid and content hash, in uid order."""
    before = {r.uid: r for r in old.records}
    after = {r.uid: r for r in new.records}
    old_h = {u: record_hash(r) for u, r in before.items()}
    new_h = {u: record_hash(r) for u, r in after.items()}

    def change(uid: str, rec: ListRecord, fields: tuple[str, ...] = ()) -> RecordChange:
        return RecordChange(
            uid,
            rec.source_code,
            rec.name,
            rec.entity_number,
            old_h.get(uid),
            new_h.get(uid),
            fields,
        )

    added = tuple(change(u, after[u]) for u in sorted(after.keys() - before.keys()))
    removed = tuple(change(u, before[u]) for u in sorted(before.keys() - after.keys()))
    both = sorted(before.keys() & after.keys())
    changed = tuple(
        change(u, after[u], _fields(before[u], after[u])) for u in both if old_h[u] != new_h[u]
    )
    return ListDiff(
        before=old.ids,
        after=new.ids,
        added=added,
        removed=removed,
        changed=changed,
        unchanged=len(both) - len(changed),
        new_hashes=new_h,
    )
