"""Which alerts to open, close or refresh, given the stored hits and the good-guy list.

Pure bookkeeping, no database: the service loads the rows, calls :func:`reconcile` and writes
what it returns. An alert is one (counterparty, list record) pair that matches at the
threshold. It is

- **opened** when the pair matches and no alert for it is open, unless the pair is cleared
  (a live clearance whose record hash is the record's current content hash);
- **closed** when the pair no longer matches (the record was removed from the list, or
  changed so that it no longer matches, or the score fell below the threshold), or when it
  has been cleared as a false positive since;
- **refreshed** when it stays open but the record's content or the score changed;

and a clearance whose record has changed since it was given no longer suppresses the
alert: it is revoked and the alert opens again, as the desk does on a live screening.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chipcomply.lists.diff import ListDiff
from chipcomply.lists.records import ListRecord

REASON_ADDED = "record added to the list"
REASON_CHANGED = "record changed on the list"
REASON_NEW_PARTY = "counterparty screened for the first time"
REASON_ROSE = "match score rose to the threshold"
REASON_RECLEARED = "record changed since the pair was cleared"
CLOSE_REMOVED = "record removed from the list"
CLOSE_CHANGED = "record changed and no longer matches"
CLOSE_BELOW = "no longer matches at the threshold"
CLOSE_CLEARED = "cleared as a false positive"


@dataclass
class AlertPlan:
    opens: list[dict[str, Any]] = field(default_factory=list)  # alert rows to insert
    closes: list[tuple[dict[str, Any], str]] = field(default_factory=list)  # (alert, reason)
    refreshes: list[dict[str, Any]] = field(default_factory=list)
    revoke: list[dict[str, Any]] = field(default_factory=list)  # clearances invalidated
    suppressed: int = 0


def reconcile(
    hits: Mapping[int, Mapping[str, Mapping[str, Any]]],
    open_alerts: Mapping[tuple[int, str], Mapping[str, Any]],
    clearances: Mapping[tuple[str, str], Mapping[str, Any]],
    party_hash: Mapping[int, str],
    records: Mapping[str, ListRecord],
    record_hash: Callable[[ListRecord], str],
    snapshot_of: Callable[[ListRecord], str],
    *,
    diff: ListDiff | None,
    first_seen: set[int],
    run: int,
    now: str,
) -> AlertPlan:
    plan = AlertPlan()
    added = {c.uid for c in diff.added} if diff else set()
    changed = {c.uid for c in diff.changed} if diff else set()
    for cid in sorted(hits):
        for uid in sorted(hits[cid]):
            rec = records.get(uid)
            if rec is None:  # a stale stored hit on a record no longer listed
                continue
            hit = hits[cid][uid]
            rh = record_hash(rec)
            alert = open_alerts.get((cid, uid))
            cl = clearances.get((party_hash[cid], uid))
            reason = None
            if cl is not None and cl["record_hash"] == rh:
                plan.suppressed += 1
                if alert is not None:
                    who = cl.get("reviewer") or "a reviewer"
                    plan.closes.append(
                        (dict(alert), f"{CLOSE_CLEARED} (clearance {cl['id']} by {who})")
                    )
                continue
            if cl is not None:
                plan.revoke.append(dict(cl))
                reason = REASON_RECLEARED
            if alert is None:
                if reason is None:
                    if cid in first_seen:
                        reason = REASON_NEW_PARTY
                    elif uid in added:
                        reason = REASON_ADDED
                    elif uid in changed:
                        reason = REASON_CHANGED
                    else:
                        reason = REASON_ROSE
                plan.opens.append(
                    {
                        "counterparty_id": cid,
                        "record_uid": uid,
                        "record_hash": rh,
                        "snapshot_id": snapshot_of(rec),
                        "source": rec.source,
                        "entity_number": rec.entity_number,
                        "list_name": rec.name,
                        "matched_name": str(hit["matched_name"]),
                        "score": float(hit["score"]),
                        "state": "open",
                        "open_reason": reason,
                        "opened_at": now,
                        "opened_run": run,
                    }
                )
                continue
            fresh = {
                "record_hash": rh,
                "snapshot_id": snapshot_of(rec),
                "score": float(hit["score"]),
                "matched_name": str(hit["matched_name"]),
                "list_name": rec.name,
            }
            if any(alert[k] != v for k, v in fresh.items()):
                plan.refreshes.append({"id": alert["id"], **fresh})
    for (cid, uid), alert in sorted(open_alerts.items()):
        if uid in hits.get(cid, {}) and uid in records:
            continue
        if uid not in records:
            why = CLOSE_REMOVED
        elif uid in changed:
            why = CLOSE_CHANGED
        else:
            why = CLOSE_BELOW
        plan.closes.append((dict(alert), why))
    return plan
