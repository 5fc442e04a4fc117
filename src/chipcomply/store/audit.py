"""The audit chain: canonical JSON, record hashes, and verification of a whole chain.

Each record's hash is ``sha256(previous hash + canonical JSON of the record)``, where the
record includes its own id, so an edited field, a deleted, inserted or reordered row, or a
renumbered id each break the chain at a record that verification names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict

from chipcomply.errors import BadInput

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """One spelling per value: keys sorted, no spaces, UTF-8 as is, floats in shortest
    round-trip form (orjson's, e.g. ``1e-7``). The audit hashes are computed over this
    spelling, so it must never change for a stored record."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except orjson.JSONEncodeError as exc:
        raise BadInput("input", f"cannot be recorded as JSON: {exc}") from None


#: Record keys whose stored column already holds canonical JSON, and that column's name.
_JSON_FIELDS = {
    "input": "input_json",
    "output": "output_json",
    "context": "context_json",
    "lists": "lists_json",
}
_SCALAR_FIELDS = (
    "id",
    "kind",
    "created_at",
    "user_name",
    "role",
    "rulebook_version",
    "engine_version",
)
_RECORD_KEYS = tuple(sorted([*_JSON_FIELDS, *_SCALAR_FIELDS]))


def record_json(row: Mapping[str, Any]) -> str:
    """The canonical JSON of the record: ``{"context": …, "created_at": …, "id": …,
    "input": …, "output": …, …}`` with sorted keys. The JSON columns are stored in canonical
    form already, so they are spliced in as written (equal to re-encoding their values)."""
    parts = []
    for key in _RECORD_KEYS:
        column = _JSON_FIELDS.get(key)
        value = row[column] if column else canonical_json(row[key])
        parts.append(f'"{key}":{value}')
    return "{" + ",".join(parts) + "}"


def record_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """sha256(previous hash + canonical JSON of the record)."""
    return hashlib.sha256((prev_hash + record_json(row)).encode("utf-8")).hexdigest()


class VerifyResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    intact: bool
    records: int
    head_id: int | None
    head_hash: str | None
    first_bad_id: int | None = None
    problem: str | None = None


def verify_chain(rows: Iterable[Any], head: Mapping[str, Any] | None) -> VerifyResult:
    """Walk ``rows`` in id order; the first broken link is reported, not just 'bad'."""
    prev = GENESIS
    expected_id = 1
    count = 0
    last_id: int | None = None

    def bad(record_id: int, problem: str) -> VerifyResult:
        return VerifyResult(
            intact=False,
            records=count,
            head_id=head["last_id"] if head else None,
            head_hash=head["last_hash"] if head else None,
            first_bad_id=record_id,
            problem=problem,
        )

    for row in rows:
        rid = int(row["id"])
        if rid != expected_id:
            if rid > expected_id:
                gap = (
                    f"record {expected_id} is missing"
                    if rid == expected_id + 1
                    else f"records {expected_id}–{rid - 1} are missing"
                )
                return bad(expected_id, f"{gap} (the next record present is {rid})")
            return bad(rid, f"record id {rid} is out of order (expected {expected_id})")
        if row["prev_hash"] != prev:
            return bad(rid, f"record {rid} does not link to the record before it")
        computed = record_hash(prev, row)
        if computed != row["hash"]:
            return bad(rid, f"record {rid} was altered (its content no longer matches its hash)")
        prev = computed
        last_id = rid
        expected_id += 1
        count += 1

    if head is None:
        if count:
            return bad(last_id or 1, "the chain head is missing")
        return VerifyResult(intact=True, records=0, head_id=None, head_hash=None)
    if head["last_id"] != (last_id or 0):
        if head["last_id"] > (last_id or 0):
            first = (last_id or 0) + 1
            return bad(first, f"record {first} is missing (the chain head says {head['last_id']})")
        return bad(int(head["last_id"]) + 1, "records beyond the chain head were inserted")
    if head["last_hash"] != prev:
        return bad(last_id or 0, f"record {last_id} does not match the chain head")
    return VerifyResult(
        intact=True, records=count, head_id=head["last_id"], head_hash=head["last_hash"]
    )
