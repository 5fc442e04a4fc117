"""Every JSON endpoint: the answer it gives, its auth failures, and its bad-input errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chipcomply.service import Desk

HUAWEI = "华为技术有限公司"
CASE: dict[str, Any] = {
    "as_of": "2025-06-01",
    "activity": "export",
    "from_country": "US",
    "to_country": "CN",
    "items": [{"chip": "H100", "quantity": 8}],
    "parties": [{"role": "end_user", "name": "Example Trading Ltd", "country": "CN"}],
}

#: (method, path, body, permission) for every endpoint that needs credentials.
ENDPOINTS: list[tuple[str, str, Any]] = [
    ("POST", "/api/classify", {"chip": "H100"}),
    ("POST", "/api/compare", {"names": ["H100", "A100"]}),
    ("POST", "/api/screen", {"name": "Acme"}),
    ("POST", "/api/match", {"left": "a", "right": "b"}),
    ("POST", "/api/check", CASE),
    ("GET", "/api/screen/batch/1", None),
    ("GET", "/api/screen/batch/1/csv", None),
    ("GET", "/api/rules", None),
    ("GET", "/api/lists", None),
    ("GET", "/api/whoami", None),
    ("POST", "/api/lists/import", None),
    ("POST", "/api/lists/reset", None),
    ("POST", "/api/cases", {"audit_id": 1}),
    ("GET", "/api/cases", None),
    ("GET", "/api/cases/1", None),
    (
        "POST",
        "/api/cases/1/dispositions",
        {"record_key": "x", "decision": "escalated", "reason": "r"},
    ),
    ("POST", "/api/cases/1/red-flags", {"flag_id": "x", "resolution": "r"}),
    ("POST", "/api/cases/1/recheck", None),
    ("GET", "/api/cases/1/report.html", None),
    ("GET", "/api/cases/1/report.pdf", None),
    ("GET", "/api/audit", None),
    ("GET", "/api/audit/verify", None),
    ("GET", "/api/audit/1", None),
    ("POST", "/api/audit/1/replay", None),
    ("GET", "/api/audit/1/report.html", None),
    ("POST", "/api/keys", {"role": "analyst"}),
    ("GET", "/api/keys", None),
    ("DELETE", "/api/keys/abc", None),
]


def _call(
    client: TestClient, method: str, path: str, body: Any, headers: dict[str, str] | None = None
) -> Any:
    return client.request(method, path, json=body, headers=headers or {})


def test_health_needs_no_credentials(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"] == "sqlite" and body["schema_version"] >= 4


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_refuses_missing_and_wrong_keys(
    client: TestClient, method: str, path: str, body: Any
) -> None:
    r = _call(client, method, path, body)
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"
    wrong = {"Authorization": "Bearer cc_000000000000_not-a-real-key"}
    assert _call(client, method, path, body, wrong).status_code == 401
    assert _call(client, method, path, body, {"Authorization": "Basic abc"}).status_code == 401


@pytest.mark.parametrize(
    ("role", "method", "path", "body"),
    [
        ("auditor", "POST", "/api/screen", {"name": "Acme"}),
        ("auditor", "POST", "/api/check", CASE),
        (
            "auditor",
            "POST",
            "/api/cases/1/dispositions",
            {"record_key": "x", "decision": "escalated", "reason": "r"},
        ),
        ("auditor", "POST", "/api/keys", {"role": "analyst"}),
        ("analyst", "GET", "/api/audit", None),
        ("analyst", "GET", "/api/audit/verify", None),
        ("analyst", "POST", "/api/audit/1/replay", None),
        ("analyst", "POST", "/api/keys", {"role": "admin"}),
        ("analyst", "GET", "/api/keys", None),
        ("analyst", "DELETE", "/api/keys/abc", None),
    ],
)
def test_roles_without_the_right_get_403(
    client: TestClient, keys: dict[str, str], role: str, method: str, path: str, body: Any
) -> None:
    r = _call(client, method, path, body, {"Authorization": f"Bearer {keys[role]}"})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "forbidden"


def test_classify_is_the_cli_json_and_is_audited(
    client: TestClient, analyst: dict[str, str], desk: Desk
) -> None:
    r = client.post("/api/classify", json={"chip": "H100", "as_of": "2025-06-01"}, headers=analyst)
    assert r.status_code == 200
    body = r.json()
    assert body["paragraph"] == "3A090.a.1" and body["as_of"] == "2025-06-01"
    assert body["findings"] and all(f["citation"] for f in body["findings"])
    rec = desk.audit_record(int(r.headers["x-audit-id"]))
    assert (
        rec["kind"] == "classify"
        and rec["output"] == body
        and rec["hash"] == r.headers["x-audit-hash"]
    )
    assert rec["rulebook_version"] == body["rulebook"]


def test_classify_defaults_as_of_to_today_before_recording(
    client: TestClient, analyst: dict[str, str], desk: Desk
) -> None:
    r = client.post(
        "/api/classify", json={"spec": {"bf16_tflops": 1000, "die_area_mm2": 800}}, headers=analyst
    )
    assert r.status_code == 200
    rec = desk.audit_record(int(r.headers["x-audit-id"]))
    assert rec["input"]["as_of"] == desk.today().isoformat() == r.json()["as_of"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "chip/spec"),
        ({"chip": "H100", "spec": {"bf16_tflops": 1}}, "chip/spec"),
        ({"chip": "No Such Chip 9000"}, "chip"),
        ({"chip": "H100", "as_of": "2025-13-01"}, "as_of"),
        ({"chip": "H100", "as_of": "1990-01-01"}, "as_of"),
        ({"spec": {"bf16_tflops": "lots"}}, "spec.bf16_tflops"),
        ({"chip": "H100", "colour": "red"}, "colour"),
    ],
)
def test_classify_bad_input_names_the_field(
    client: TestClient, analyst: dict[str, str], body: Any, field: str
) -> None:
    r = client.post("/api/classify", json=body, headers=analyst)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] in ("bad_input", "invalid_request")
    assert field in err["message"]


def test_compare(client: TestClient, analyst: dict[str, str]) -> None:
    r = client.post(
        "/api/compare",
        json={"names": ["H100", "Ascend 910C"], "as_of": "2025-06-01"},
        headers=analyst,
    )
    assert r.status_code == 200
    body = r.json()
    assert body["baseline"] == body["items"][0]["name"] and "H100" in body["baseline"]
    assert len(body["ratios"]) == 1
    bad = client.post("/api/compare", json={"names": ["H100"]}, headers=analyst)
    assert bad.status_code == 422 and "names" in bad.json()["error"]["message"]


def test_screen_chinese_name_finds_the_entity_list_entry(
    client: TestClient, analyst: dict[str, str]
) -> None:
    r = client.post("/api/screen", json={"name": HUAWEI, "country": "CN"}, headers=analyst)
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == HUAWEI and body["algorithm"] and body["lists"]
    el = [h for h in body["hits"] if h["source"].startswith("Entity List")]
    assert el and "Huawei Technologies" in el[0]["name"]
    assert el[0]["explanation"]["aligned"] and el[0]["score"] >= body["threshold"]
    assert el[0]["record"]["license_requirement"] and el[0]["record"]["federal_register_notice"]


def test_screen_body_is_exactly_the_core_json(client: TestClient, analyst: dict[str, str]) -> None:
    from chipcomply.screening import screen

    r = client.post("/api/screen", json={"name": "Sugon"}, headers=analyst)
    assert r.json() == screen("Sugon").model_dump(mode="json")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 1001}, "name"),
        ({"name": "Acme", "threshold": 2}, "threshold"),
        ({"name": "Acme", "country": "ZZ"}, "country"),
        ({"name": 5}, "name"),
    ],
)
def test_screen_bad_input(
    client: TestClient, analyst: dict[str, str], body: Any, field: str
) -> None:
    r = client.post("/api/screen", json=body, headers=analyst)
    assert r.status_code == 422, r.text
    assert field in r.json()["error"]["message"]


def test_screen_rejects_non_json(client: TestClient, analyst: dict[str, str]) -> None:
    r = client.post(
        "/api/screen",
        content=b"\xff\xfe not json",
        headers={**analyst, "Content-Type": "application/json"},
    )
    assert r.status_code in (400, 422) and r.json()["error"]["code"] in (
        "invalid_request",
        "bad_request",
    )


def test_match(client: TestClient, analyst: dict[str, str]) -> None:
    r = client.post("/api/match", json={"left": "华为", "right": "Huawei"}, headers=analyst)
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"score", "match", "explanation"} and body["match"] is True
    bad = client.post("/api/match", json={"left": "a"}, headers=analyst)
    assert bad.status_code == 422 and "right" in bad.json()["error"]["message"]


def test_check_is_the_determination_json(
    client: TestClient, analyst: dict[str, str], desk: Desk
) -> None:
    r = client.post("/api/check", json=CASE, headers=analyst)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["as_of"] == "2025-06-01" and body["outcome"] == "license_required"
    assert {"outcomes", "findings", "red_flags", "prc", "versions", "missing_facts"} <= set(body)
    from chipcomply.logic.determine import determine

    assert body == determine(CASE, rulebook=desk.rulebook).model_dump(mode="json")


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"as_of": None}, "as_of"),
        ({"as_of": "June"}, "as_of"),
        ({"activity": "smuggle"}, "activity"),
        ({"to_country": "XX"}, "to_country"),
        ({"items": [{"chip": "H100", "quantity": -1}]}, "quantity"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_check_bad_input(
    client: TestClient, analyst: dict[str, str], patch: dict[str, Any], field: str
) -> None:
    case = {**CASE, **patch}
    case = {k: v for k, v in case.items() if v is not None}
    r = client.post("/api/check", json=case, headers=analyst)
    assert r.status_code == 422, r.text
    assert field in r.json()["error"]["message"]
    assert client.post("/api/check", json=[1, 2], headers=analyst).status_code == 422


def test_rules_and_lists(
    client: TestClient, analyst: dict[str, str], auditor: dict[str, str]
) -> None:
    r = client.get("/api/rules", params={"as_of": "2025-06-01"}, headers=auditor)
    assert r.status_code == 200
    rules = r.json()["rules"]
    assert any(x["rule_id"] == "ear.774.3A090.a.1" for x in rules) and all(
        x["citation"] for x in rules
    )
    one = client.get(
        "/api/rules",
        params={"as_of": "2025-06-01", "rule_id": "ear.774.3A090.a.1"},
        headers=analyst,
    )
    assert [x["rule_id"] for x in one.json()["rules"]] == ["ear.774.3A090.a.1"]
    assert (
        client.get("/api/rules", params={"rule_id": "nope.x"}, headers=analyst).status_code == 404
    )
    assert (
        client.get("/api/rules", params={"as_of": "yesterday"}, headers=analyst).status_code == 422
    )
    lists = client.get("/api/lists", headers=analyst).json()
    assert lists["records"] > 1000 and {"csl", "ofac-sdn"} <= set(lists["ids"])


def test_batch_upload_progress_and_csv(
    client: TestClient, analyst: dict[str, str], auditor: dict[str, str]
) -> None:
    import time

    csv_text = f"id,name,country\n1,{HUAWEI},CN\n2,Blue Harbour Bakery,GB\n"
    r = client.post(
        "/api/screen/batch",
        files={"file": ("parties.csv", csv_text.encode(), "text/csv")},
        headers=analyst,
    )
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    deadline = time.monotonic() + 180  # the first screening of a process builds the index
    while True:
        job = client.get(f"/api/screen/batch/{job_id}", headers=analyst).json()
        if job["status"] != "running" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert job["status"] == "done" and job["done"] == job["total"] == 2
    assert job["rows"][0]["hit"] is True and job["rows"][1]["hit"] is False
    rep = client.post(f"/api/audit/{job['audit_id']}/replay", headers=auditor).json()
    assert rep["kind"] == "screen_batch" and rep["identical"] is True
    out = client.get(f"/api/screen/batch/{job_id}/csv", headers=analyst).text.splitlines()
    assert out[0].split(",")[:3] == ["id", "name", "country"] and "top_score" in out[0]
    bad = client.post(
        "/api/screen/batch",
        files={"file": ("x.csv", b"who,country\nA,CN\n", "text/csv")},
        headers=analyst,
    )
    assert bad.status_code == 422 and "name" in bad.json()["error"]["message"]
    ragged = client.post(
        "/api/screen/batch",
        files={"file": ("x.csv", b"name,country\nA,CN,extra\n", "text/csv")},
        headers=analyst,
    )
    assert ragged.status_code == 422 and "line 2" in ragged.json()["error"]["message"]
    assert client.get("/api/screen/batch/999999", headers=analyst).status_code == 404


def test_screening_case_disposition_and_good_guy_suppression(
    client: TestClient, analyst: dict[str, str]
) -> None:
    name = "Sugon"
    first = client.post("/api/screen", json={"name": name}, headers=analyst)
    hits = first.json()["hits"]
    assert hits, "Sugon should hit the Entity List"
    case = client.post(
        "/api/cases", json={"audit_id": int(first.headers["x-audit-id"])}, headers=analyst
    )
    assert case.status_code == 201, case.text
    c = case.json()
    assert c["kind"] == "screening" and c["open_hits"] == len(hits)
    key = c["hits"][0]["record_key"]
    d = client.post(
        f"/api/cases/{c['id']}/dispositions",
        json={"record_key": key, "decision": "false_positive", "reason": "different company"},
        headers=analyst,
    )
    assert d.status_code == 201, d.text
    assert d.json()["clearance_id"] and d.json()["reviewer"] == "analyst tester"
    again = client.post("/api/screen", json={"name": name}, headers=analyst).json()
    assert key not in [f"{h['source']}|{h['entity_number'] or h['name']}" for h in again["hits"]]
    assert [s["clearance"]["reason"] for s in again["suppressed"]] == ["different company"]
    # a different counterparty (same list record) is not suppressed
    other = client.post("/api/screen", json={"name": name, "country": "CN"}, headers=analyst).json()
    assert "suppressed" not in other
    # overturning it brings the alert back
    client.post(
        f"/api/cases/{c['id']}/dispositions",
        json={"record_key": key, "decision": "true_match", "reason": "confirmed"},
        headers=analyst,
    )
    back = client.post("/api/screen", json={"name": name}, headers=analyst).json()
    assert "suppressed" not in back and len(back["hits"]) == len(hits)
    shown = client.get(f"/api/cases/{c['id']}", headers=analyst).json()
    assert [x["decision"] for x in shown["dispositions"]] == ["false_positive", "true_match"]


def test_case_errors(client: TestClient, analyst: dict[str, str]) -> None:
    assert client.get("/api/cases/999999", headers=analyst).status_code == 404
    assert client.post("/api/cases", json={}, headers=analyst).status_code == 422
    assert client.post("/api/cases", json={"audit_id": 999999}, headers=analyst).status_code == 404
    cls = client.post("/api/classify", json={"chip": "H100"}, headers=analyst)
    r = client.post(
        "/api/cases", json={"audit_id": int(cls.headers["x-audit-id"])}, headers=analyst
    )
    assert r.status_code == 422 and "audit_id" in r.json()["error"]["message"]
    made = client.post("/api/cases", json={"screen": {"name": HUAWEI}}, headers=analyst).json()
    bad = client.post(
        f"/api/cases/{made['id']}/dispositions",
        json={"record_key": "nope|1", "decision": "false_positive", "reason": "x"},
        headers=analyst,
    )
    assert bad.status_code == 422 and "record_key" in bad.json()["error"]["message"]
    bad = client.post(
        f"/api/cases/{made['id']}/dispositions",
        json={"record_key": "x", "decision": "maybe", "reason": "x"},
        headers=analyst,
    )
    assert bad.status_code == 422 and "decision" in bad.json()["error"]["message"]
    assert client.get("/api/cases", headers=analyst).json()[0]["id"] == made["id"]


def test_determination_case_red_flags_and_recheck(
    client: TestClient, analyst: dict[str, str]
) -> None:
    case = {
        **CASE,
        "to_country": "SG",
        "parties": [{"role": "end_user", "name": "Lion City Compute Pte Ltd", "country": "SG"}],
        "red_flags": ["DG-RF-01"],
    }
    made = client.post("/api/cases", json={"check": case}, headers=analyst)
    assert made.status_code == 201, made.text
    c = made.json()
    assert c["kind"] == "determination" and c["open_red_flags"], c["answer"]["red_flags"]
    flag = c["open_red_flags"][0]
    r = client.post(
        f"/api/cases/{c['id']}/red-flags",
        json={"flag_id": flag, "resolution": "end user verified on site"},
        headers=analyst,
    )
    assert r.status_code == 201, r.text
    after = client.get(f"/api/cases/{c['id']}", headers=analyst).json()
    assert (
        flag not in after["open_red_flags"]
        and after["red_flag_resolutions"][0]["resolution"] == "end user verified on site"
    )
    bad = client.post(
        f"/api/cases/{c['id']}/red-flags",
        json={"flag_id": "NOPE-1", "resolution": "x"},
        headers=analyst,
    )
    assert bad.status_code == 422 and "flag_id" in bad.json()["error"]["message"]
    re = client.post(f"/api/cases/{c['id']}/recheck", headers=analyst)
    assert re.status_code == 201, re.text
    new = re.json()
    assert new["input"]["red_flag_resolutions"][0]["id"] == flag
    assert flag not in new["open_red_flags"]


def test_reports(client: TestClient, analyst: dict[str, str], auditor: dict[str, str]) -> None:
    made = client.post("/api/cases", json={"screen": {"name": HUAWEI}}, headers=analyst).json()
    html = client.get(f"/api/cases/{made['id']}/report.html", headers=auditor)
    assert html.status_code == 200 and "text/html" in html.headers["content-type"]
    assert HUAWEI in html.text and made["audit_hash"] in html.text and "<link" not in html.text
    rec = client.get(f"/api/audit/{made['audit_id']}/report.html", headers=auditor)
    assert rec.status_code == 200 and made["audit_hash"] in rec.text
    assert client.get("/api/cases/999999/report.html", headers=auditor).status_code == 404


def test_audit_endpoints(
    client: TestClient, analyst: dict[str, str], auditor: dict[str, str]
) -> None:
    r = client.post("/api/classify", json={"chip": "A100", "as_of": "2024-01-01"}, headers=analyst)
    rid = int(r.headers["x-audit-id"])
    listing = client.get("/api/audit", params={"limit": 5}, headers=auditor).json()
    assert listing[0]["id"] >= rid and len(listing) <= 5
    one = client.get(f"/api/audit/{rid}", headers=auditor).json()
    assert one["input"] == {"as_of": "2024-01-01", "chip": "A100"} and one["output"] == r.json()
    v = client.get("/api/audit/verify", headers=auditor).json()
    assert v["intact"] is True and v["head_id"] >= rid
    rep = client.post(f"/api/audit/{rid}/replay", headers=auditor).json()
    assert rep["identical"] is True and rep["diff"] == ""
    assert client.get("/api/audit/999999", headers=auditor).status_code == 404
    assert client.get("/api/audit", params={"limit": 0}, headers=auditor).status_code == 422
    events = client.get("/api/audit", params={"kind": "key_create"}, headers=auditor).json()
    assert events and all(e["kind"] == "key_create" for e in events)
    ev = client.post(f"/api/audit/{events[0]['id']}/replay", headers=auditor)
    assert ev.status_code == 422


def test_keys_lifecycle(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post("/api/keys", json={"role": "auditor", "label": "Ext. auditor"}, headers=admin)
    assert r.status_code == 201
    new = r.json()
    assert new["key"].startswith("cc_") and new["role"] == "auditor"
    listed = client.get("/api/keys", headers=admin).json()
    assert any(k["key_id"] == new["key_id"] for k in listed)
    assert all("secret" not in json.dumps(k) and new["key"] not in json.dumps(k) for k in listed)
    mine = {"Authorization": f"Bearer {new['key']}"}
    assert client.get("/api/audit/verify", headers=mine).status_code == 200
    assert client.delete(f"/api/keys/{new['key_id']}", headers=admin).status_code == 200
    assert client.get("/api/audit/verify", headers=mine).status_code == 401
    assert client.delete(f"/api/keys/{new['key_id']}", headers=admin).status_code == 404
    bad = client.post("/api/keys", json={"role": "root"}, headers=admin)
    assert bad.status_code == 422 and "role" in bad.json()["error"]["message"]


def test_unknown_paths_and_methods_are_json_errors(
    client: TestClient, analyst: dict[str, str]
) -> None:
    r = client.get("/api/nothing-here", headers=analyst)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.get("/api/screen", headers=analyst)
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    assert client.get("/api/cases/0", headers=analyst).status_code == 422
    assert client.get(f"/api/cases/{2**40}", headers=analyst).status_code == 422


def test_list_import_is_admin_only_and_refuses_bad_files(
    client: TestClient, admin: dict[str, str], analyst: dict[str, str], auditor: dict[str, str]
) -> None:
    bad = b"source,name\nEntity List (EL) - Bureau of Industry and Security,Tiny Co\n"
    files = {"file": ("consolidated.csv", bad, "text/csv")}
    assert client.post("/api/lists/import", files=files, headers=analyst).status_code == 403
    assert client.post("/api/lists/import", files=files, headers=auditor).status_code == 403
    before = client.get("/api/lists", headers=admin).json()["ids"]
    r = client.post("/api/lists/import", files=files, data={"format": "csl-csv"}, headers=admin)
    assert r.status_code == 422 and "unchanged" in r.json()["error"]["message"]
    r = client.post("/api/lists/import", files=files, data={"format": "nope"}, headers=admin)
    assert r.status_code == 422 and "format" in r.json()["error"]["message"]
    assert client.get("/api/lists", headers=admin).json()["ids"] == before
    r = client.post("/api/lists/reset", headers=admin)
    assert r.status_code == 200 and r.json()["ids"] == before
    assert client.post("/api/lists/reset", headers=analyst).status_code == 403


def test_whoami(client: TestClient, keys: dict[str, str]) -> None:
    for role in ("analyst", "admin", "auditor"):
        me = client.get("/api/whoami", headers={"Authorization": f"Bearer {keys[role]}"}).json()
        assert me["role"] == role and me["label"] == f"{role} tester"
        assert ("audit" in me["permissions"]) == (role != "analyst")
