"""The desk's workflows on each database: cases, dispositions, the good-guy list, replay."""

from __future__ import annotations

from chipcomply.service import SYSTEM, Desk, party_hash
from chipcomply.service import hit_record_key as desk_key
from chipcomply.store import Store
from chipcomply.store import schema as s


def test_screening_case_clearance_and_invalidation(store: Store) -> None:
    desk = Desk(store)
    ans = desk.screen(SYSTEM, {"name": "华为技术有限公司", "country": "CN"})
    case = desk.create_case(SYSTEM, {"audit_id": ans.audit_id})
    hit = next(h for h in case["hits"] if h["source"].startswith("Entity List"))
    out = desk.disposition(
        SYSTEM,
        case["id"],
        {"record_key": hit["record_key"], "decision": "false_positive", "reason": "test"},
    )
    assert out["clearance_id"]
    again = desk.screen(
        SYSTEM, {"name": "华为技术有限公司 ", "country": "cn"}
    )  # same party, normalised
    assert [x["clearance"]["id"] for x in again.body["suppressed"]] == [out["clearance_id"]]
    assert hit["record_key"] not in [desk_key(h) for h in again.body["hits"]]
    # the list record changes (simulated by a changed stored hash): the alert comes back
    with store.begin() as conn:
        conn.execute(
            s.clearances.update()
            .where(s.clearances.c.id == out["clearance_id"])
            .values(record_hash="0" * 64)
        )
    back = desk.screen(SYSTEM, {"name": "华为技术有限公司", "country": "CN"})
    assert "suppressed" not in back.body
    assert [c["id"] for c in back.body["clearances_invalidated"]] == [out["clearance_id"]]
    assert store.active_clearances(party_hash("华为技术有限公司", "CN")) == []
    v = desk.verify()
    assert v["intact"] and v["records"] >= 5
    assert desk.replay(back.audit_id).identical


def test_determination_case_and_report(store: Store) -> None:
    from chipcomply import reports

    desk = Desk(store)
    case_in = {
        "as_of": "2025-06-01",
        "activity": "export",
        "from_country": "US",
        "to_country": "CN",
        "items": [{"chip": "H100", "quantity": 8}],
        "parties": [{"role": "end_user", "name": "Example Trading Ltd", "country": "CN"}],
    }
    made = desk.create_case(SYSTEM, {"check": case_in})
    assert made["kind"] == "determination" and made["outcome"] == "license_required"
    html = reports.case_html(desk, made["id"])
    assert made["audit_hash"] in html and "license required" in html and "15 CFR" in html
    assert desk.replay(made["audit_id"]).identical
