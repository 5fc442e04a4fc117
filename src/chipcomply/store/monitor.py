"""Storage for the monitor: counterparties, their stored matches, alerts and monitor runs.

Rows in, rows out, in bulk (a customer base is hundreds of thousands of rows); what to store
and when is decided by ``chipcomply.service``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from chipcomply.store import schema as s
from chipcomply.store.db import Store

CHUNK = 2000  # rows per statement for bulk reads by key and bulk writes


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# -- counterparties ---------------------------------------------------------------------


def add_parties(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the counterparties whose ``party_hash`` is not stored yet; returns how many."""
    cp = s.counterparties
    fresh: dict[str, dict[str, Any]] = {}
    for row in rows:
        fresh.setdefault(row["party_hash"], row)
    hashes = list(fresh)
    for part in _chunks(hashes):
        for (h,) in conn.execute(sa.select(cp.c.party_hash).where(cp.c.party_hash.in_(part))):
            fresh.pop(h, None)
    new = list(fresh.values())
    for part in _chunks(new):
        conn.execute(cp.insert(), list(part))
    return len(new)


def parties(store: Store) -> list[dict[str, Any]]:
    """Every counterparty, with the rows it matched last time (``matches``, by uid) and
    their uids (``band``)."""
    cp, m = s.counterparties, s.counterparty_matches
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.select(cp).order_by(cp.c.id)).mappings()]
        matches: dict[int, list[dict[str, Any]]] = {}
        q = sa.select(m.c.counterparty_id, m.c.record_uid, m.c.score, m.c.matched_name, m.c.hit)
        for cid, uid, score, matched, hit in conn.execute(q.order_by(m.c.record_uid)):
            matches.setdefault(int(cid), []).append(
                {
                    "record_uid": str(uid),
                    "score": float(score),
                    "matched_name": str(matched),
                    "hit": bool(hit),
                }
            )
    for row in rows:
        mine = matches.get(int(row["id"]), [])
        row["matches"] = mine
        row["band"] = frozenset(str(x["record_uid"]) for x in mine)
    return rows


def party_rows(store: Store, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    cp = s.counterparties
    wanted = sorted(set(ids))
    out: dict[int, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for part in _chunks(wanted):
            for r in conn.execute(sa.select(cp).where(cp.c.id.in_(part))).mappings():
                out[int(r["id"])] = dict(r)
    return out


def count_parties(store: Store) -> int:
    with store.engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(s.counterparties)).scalar()
    return int(n or 0)


def write_matches(
    conn: Connection,
    changed: dict[int, list[dict[str, Any]]],
    keys: dict[int, dict[str, Any]],
) -> None:
    """Replace the stored matches of the ``changed`` parties; set every party's keys.

    ``changed`` maps a party id to its new match rows (``record_uid, score, matched_name,
    hit``); ``keys`` maps a party id to its new ``lists_key, engine_key, margin,
    screened_at``.
    """
    m, cp = s.counterparty_matches, s.counterparties
    ids = sorted(changed)
    for part in _chunks(ids):
        conn.execute(m.delete().where(m.c.counterparty_id.in_(part)))
    rows = [{"counterparty_id": cid, **r} for cid in ids for r in changed[cid]]
    for rpart in _chunks(rows):
        conn.execute(m.insert(), list(rpart))
    upd = (
        cp.update()
        .where(cp.c.id == sa.bindparam("b_id"))
        .values(
            lists_key=sa.bindparam("b_lists_key"),
            engine_key=sa.bindparam("b_engine_key"),
            margin=sa.bindparam("b_margin"),
            screened_at=sa.bindparam("b_screened_at"),
        )
    )
    params = [{"b_id": cid, **{f"b_{k}": v for k, v in vals.items()}} for cid, vals in keys.items()]
    for ppart in _chunks(params):
        conn.execute(upd, list(ppart))


def stored_hits(store: Store) -> dict[int, dict[str, dict[str, Any]]]:
    """Party id -> record uid -> the stored hit (score, matched name)."""
    m = s.counterparty_matches
    out: dict[int, dict[str, dict[str, Any]]] = {}
    with store.engine.connect() as conn:
        q = sa.select(m.c.counterparty_id, m.c.record_uid, m.c.score, m.c.matched_name).where(
            m.c.hit.is_(True)
        )
        for cid, uid, score, matched in conn.execute(q):
            out.setdefault(int(cid), {})[str(uid)] = {
                "score": float(score),
                "matched_name": str(matched),
            }
    return out


# -- alerts -------------------------------------------------------------------------------


def open_alerts(store: Store) -> dict[tuple[int, str], dict[str, Any]]:
    a = s.alerts
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(a).where(a.c.state == "open")).mappings()
        return {(int(r["counterparty_id"]), str(r["record_uid"])): dict(r) for r in rows}


def alerts(
    store: Store, state: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    a, cp = s.alerts, s.counterparties
    q = sa.select(
        a, cp.c.name.label("counterparty"), cp.c.country, cp.c.external_id, cp.c.party_hash
    ).select_from(a.join(cp, a.c.counterparty_id == cp.c.id))
    if state:
        q = q.where(a.c.state == state)
    q = q.order_by(a.c.id)
    if limit:
        q = q.limit(limit)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def open_alert_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    ids: list[int] = []
    for row in rows:  # one by one: the new ids go into the summary
        res = conn.execute(s.alerts.insert().values(**row))
        ids.append(int(res.inserted_primary_key[0]))  # type: ignore[index]
    return ids


def close_alerts(conn: Connection, closes: Sequence[tuple[int, str]], at: str, run: int) -> None:
    """Close alerts by (alert id, reason)."""
    a = s.alerts
    upd = (
        a.update()
        .where(a.c.id == sa.bindparam("b_id"), a.c.state == "open")
        .values(
            state="closed",
            closed_at=at,
            closed_run=run,
            close_reason=sa.bindparam("b_reason"),
        )
    )
    params = [{"b_id": i, "b_reason": r} for i, r in closes]
    for part in _chunks(params):
        conn.execute(upd, list(part))


def refresh_alerts(conn: Connection, updates: Sequence[dict[str, Any]]) -> None:
    """Keep open alerts pointing at the record version and score now on the list."""
    a = s.alerts
    upd = (
        a.update()
        .where(a.c.id == sa.bindparam("b_id"))
        .values(
            record_hash=sa.bindparam("b_record_hash"),
            snapshot_id=sa.bindparam("b_snapshot_id"),
            score=sa.bindparam("b_score"),
            matched_name=sa.bindparam("b_matched_name"),
            list_name=sa.bindparam("b_list_name"),
        )
    )
    params = [{f"b_{k}": v for k, v in u.items()} for u in updates]
    for part in _chunks(params):
        conn.execute(upd, list(part))


# -- clearances (the desk's good-guy list) ------------------------------------------------


def active_clearances(store: Store) -> dict[tuple[str, str], dict[str, Any]]:
    """(counterparty hash, record key) -> the newest live clearance."""
    cl = s.clearances
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(cl).where(cl.c.revoked_at.is_(None)).order_by(cl.c.id))
        return {
            (str(r["counterparty_hash"]), str(r["record_key"])): dict(r) for r in rows.mappings()
        }


def revoke_clearances(conn: Connection, ids: Iterable[int], at: str) -> None:
    cl = s.clearances
    for part in _chunks(sorted(set(ids))):
        conn.execute(cl.update().where(cl.c.id.in_(part)).values(revoked_at=at))


# -- harvesting from the desk ------------------------------------------------------------


def cases_after(store: Store, after: int) -> list[dict[str, Any]]:
    c = s.cases
    with store.engine.connect() as conn:
        q = sa.select(c.c.id, c.c.counterparty, c.c.country).where(c.c.id > after).order_by(c.c.id)
        return [dict(r) for r in conn.execute(q).mappings()]


def batches_after(store: Store, after: int) -> list[dict[str, Any]]:
    b = s.batch_jobs
    with store.engine.connect() as conn:
        q = (
            sa.select(b.c.id, b.c.status, b.c.filename, b.c.result_json)
            .where(b.c.id > after)
            .order_by(b.c.id)
        )
        return [dict(r) for r in conn.execute(q).mappings()]


# -- monitor runs -----------------------------------------------------------------------


def running_runs(store: Store) -> list[dict[str, Any]]:
    r = s.monitor_runs
    with store.engine.connect() as conn:
        return [
            dict(x) for x in conn.execute(sa.select(r).where(r.c.status == "running")).mappings()
        ]


def last_done_run(store: Store) -> dict[str, Any] | None:
    r = s.monitor_runs
    with store.engine.connect() as conn:
        row = (
            conn.execute(sa.select(r).where(r.c.status == "done").order_by(r.c.id.desc()).limit(1))
            .mappings()
            .first()
        )
    return dict(row) if row else None


def start_run(store: Store, started_at: str, threshold: float, stale_before: str) -> int:
    """A new running run; a run still marked running since before ``stale_before`` is
    marked failed (its process died). Raises ValueError naming a live concurrent run."""
    r = s.monitor_runs
    with store.begin() as conn:
        for row in conn.execute(sa.select(r).where(r.c.status == "running")).mappings():
            if str(row["started_at"]) < stale_before:
                conn.execute(
                    r.update()
                    .where(r.c.id == row["id"])
                    .values(status="failed", error="abandoned (the process stopped)")
                )
            else:
                raise ValueError(
                    f"monitor run {row['id']} is still running (since {row['started_at']})"
                )
        res = conn.execute(
            r.insert().values(status="running", started_at=started_at, threshold=threshold)
        )
        return int(res.inserted_primary_key[0])  # type: ignore[index]


def finish_run(conn: Connection, run_id: int, **values: Any) -> None:
    r = s.monitor_runs
    if "summary" in values:
        values["summary_json"] = json.dumps(values.pop("summary"), ensure_ascii=False)
    conn.execute(r.update().where(r.c.id == run_id).values(**values))


def fail_run(store: Store, run_id: int, at: str, error: str) -> None:
    with store.begin() as conn:
        finish_run(conn, run_id, status="failed", finished_at=at, error=error[:5000])
