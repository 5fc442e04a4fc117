"""Editing, deleting, inserting or reordering any audit row makes verify fail and name it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from chipcomply.store import Store
from chipcomply.store import schema as s
from chipcomply.store.audit import record_hash

from .test_store import _append

N = 5
t = s.audit_log


def _exec(store: Store, stmt: sa.Executable) -> None:
    with store.begin() as conn:
        conn.execute(stmt)


@pytest.mark.parametrize("victim", range(1, N + 1))
@pytest.mark.parametrize(
    "column",
    [
        "input_json",
        "output_json",
        "user_name",
        "created_at",
        "rulebook_version",
        "lists_json",
        "kind",
    ],
)
def test_editing_any_field_of_any_row_is_detected(store: Store, victim: int, column: str) -> None:
    _append(store, N)
    new = '{"tampered":true}' if column.endswith("json") else "tampered"
    _exec(store, t.update().where(t.c.id == victim).values({column: new}))
    v = store.verify_audit()
    assert not v.intact and v.first_bad_id == victim, v


@pytest.mark.parametrize("victim", range(1, N + 1))
def test_deleting_any_row_is_detected(store: Store, victim: int) -> None:
    _append(store, N)
    _exec(store, t.delete().where(t.c.id == victim))
    v = store.verify_audit()
    assert not v.intact and v.first_bad_id == victim, v
    assert "missing" in (v.problem or "")


def test_rehashing_an_edited_row_still_breaks_the_next_link(store: Store) -> None:
    _append(store, N)
    row = dict(store.audit_record(2) or {})
    row["output_json"] = '{"ok":"forged"}'
    forged = record_hash(row["prev_hash"], row)
    _exec(store, t.update().where(t.c.id == 2).values(output_json=row["output_json"], hash=forged))
    v = store.verify_audit()
    assert not v.intact and v.first_bad_id == 3


def test_inserting_or_reordering_rows_is_detected(store: Store) -> None:
    _append(store, N)
    last = store.audit_record(N) or {}
    fake = {**last, "id": N + 1, "prev_hash": last["hash"]}
    fake["hash"] = record_hash(fake["prev_hash"], fake)
    _exec(store, t.insert().values(**fake))  # appended behind the head's back
    v = store.verify_audit()
    assert not v.intact and v.first_bad_id == N + 1

    _exec(store, t.delete().where(t.c.id == N + 1))
    assert store.verify_audit().intact
    # swap the contents of rows 2 and 3 (a reordering that keeps the ids)
    r2, r3 = store.audit_record(2) or {}, store.audit_record(3) or {}
    cols = [c for c in r2 if c != "id"]
    _exec(store, t.update().where(t.c.id == 2).values({c: r3[c] for c in cols}))
    _exec(store, t.update().where(t.c.id == 3).values({c: r2[c] for c in cols}))
    v = store.verify_audit()
    assert not v.intact and v.first_bad_id == 2


def test_deleting_everything_is_detected_by_the_head(store: Store) -> None:
    _append(store, N)
    _exec(store, t.delete())
    v = store.verify_audit()
    assert not v.intact and v.first_bad_id == 1
