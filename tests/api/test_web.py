"""Web pages: sign-in with a key, session cookie, CSRF on every form post, roles."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from chipcomply.service import Desk


def _login(client: TestClient, key: str) -> str:
    client.cookies.clear()
    r = client.post("/login", data={"key": key, "next": "/cases"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/cases"
    assert (
        "httponly" in r.headers["set-cookie"].lower()
        and "samesite=strict" in r.headers["set-cookie"].lower()
    )
    page = client.get("/cases")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def test_pages_redirect_to_login_without_a_session(client: TestClient) -> None:
    client.cookies.clear()
    for path in ("/", "/screen", "/check", "/cases", "/audit", "/keys", "/cases/1/report.html"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    assert client.get("/login").status_code == 200
    r = client.post("/login", data={"key": "cc_000000000000_nope"})
    assert r.status_code == 401 and "not valid" in r.text


def test_form_posts_need_the_csrf_token(client: TestClient, keys: dict[str, str]) -> None:
    token = _login(client, keys["analyst"])
    r = client.post("/screen", data={"name": "Sugon"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/screen", data={"name": "Sugon", "csrf_token": "wrong"})
    assert r.status_code == 403
    r = client.post("/screen", data={"name": "Sugon", "csrf_token": token})
    assert r.status_code == 200 and "Sugon" in r.text and "Save as case" in r.text
    r = client.post(
        "/screen", data={"name": "Sugon"}, headers={"X-CSRF-Token": token, "HX-Request": "true"}
    )
    assert r.status_code == 200 and "<html" not in r.text  # htmx gets the fragment only


def test_screen_save_disposition_via_forms(
    client: TestClient, keys: dict[str, str], desk: Desk
) -> None:
    token = _login(client, keys["analyst"])
    r = client.post(
        "/screen", data={"name": "华为技术有限公司", "country": "CN", "csrf_token": token}
    )
    aid = re.search(r'name="audit_id" value="(\d+)"', r.text)
    assert aid
    saved = client.post(
        "/cases", data={"audit_id": aid.group(1), "csrf_token": token}, follow_redirects=False
    )
    assert saved.status_code == 303
    case_url = saved.headers["location"]
    page = client.get(case_url)
    key = re.search(r'name="record_key" value="([^"]+)"', page.text)
    assert key
    r = client.post(
        case_url + "/dispositions",
        data={
            "record_key": key.group(1),
            "decision": "escalated",
            "reason": "needs counsel",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "needs counsel" in client.get(case_url).text
    r = client.post(
        case_url + "/dispositions",
        data={
            "record_key": key.group(1),
            "decision": "escalated",
            "reason": "",
            "csrf_token": token,
        },
    )
    assert r.status_code == 422 and "reason" in r.text
    report = client.get(case_url + "/report.html")
    assert report.status_code == 200 and "needs counsel" in report.text


def test_roles_on_pages(client: TestClient, keys: dict[str, str]) -> None:
    _login(client, keys["auditor"])
    assert client.get("/screen").status_code == 403
    assert client.get("/audit").status_code == 200 and "Chain intact" in client.get("/audit").text
    assert client.get("/keys").status_code == 403
    _login(client, keys["analyst"])
    assert client.get("/audit").status_code == 403
    for path in ("/screen", "/batch", "/classify", "/compare", "/check", "/cases"):
        assert client.get(path).status_code == 200, path


def test_pages_render_answers(client: TestClient, keys: dict[str, str]) -> None:
    token = _login(client, keys["admin"])
    r = client.post("/compare", data={"name1": "H100", "name2": "H20", "csrf_token": token})
    assert r.status_code == 200 and "<svg" in r.text
    r = client.post("/classify", data={"chip": "H20", "as_of": "2025-06-01", "csrf_token": token})
    assert r.status_code == 200 and "Classification" in r.text
    r = client.post(
        "/check",
        data={
            "as_of": "2025-06-01",
            "activity": "export",
            "to_country": "CN",
            "chip": "H100",
            "quantity": "8",
            "party_name": "X Ltd",
            "party_country": "CN",
            "csrf_token": token,
        },
    )
    assert r.status_code == 200 and "license required" in r.text
    r = client.post(
        "/check", data={"case_text": "as_of: 2025-06-01\nactivity: fly\n", "csrf_token": token}
    )
    assert r.status_code == 200 and "activity" in r.text and "Cannot answer" in r.text
    r = client.post(
        "/keys", data={"role": "auditor", "label": "Outside audit", "csrf_token": token}
    )
    assert r.status_code == 200 and re.search(r'id="new-key">cc_', r.text)
