"""The desk in a real browser: sign in, screen a Chinese name, determine, disposition a
hit, export reports, batch upload with progress, compare with a chart, audit view."""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PdfReader

from .conftest import Server, shot

HUAWEI = "华为技术有限公司"


def _login(page: Any, server: Server, path: str = "/screen") -> None:
    page.goto(server.url + path)
    if "/login" not in page.url:  # the browser already holds a session
        return
    page.fill("#key", server.admin_key)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def test_login_rejects_a_wrong_key(page: Any, server: Server) -> None:
    page.goto(server.url + "/cases")
    assert "/login" in page.url  # no session: the page sends us to sign in
    page.fill("#key", "cc_000000000000_wrong")
    page.click("button[type=submit]")
    assert "not valid" in page.inner_text("main")
    shot(page, "00-login-refused")


def test_screen_disposition_and_report(page: Any, server: Server) -> None:
    _login(page, server)
    page.fill("#name", HUAWEI)
    page.fill("#country", "CN")
    page.keyboard.press("Enter")  # htmx posts the form and swaps in the results
    result = page.wait_for_selector("#screen-result")
    text = result.inner_text()
    assert "Huawei Technologies Co., Ltd." in text and "Entity List" in text
    # the Entity List hit, its explanation beside its list record
    el = page.locator("details.hit[open]", has_text="Entity List (EL)").first
    card = el.inner_text()
    assert "Huawei Technologies Co., Ltd." in card
    assert "why it matched" in card.lower() and "list record" in card.lower()
    assert "华为" in card and "huawei" in card  # original script and its reading
    assert "Presumption of denial" in card and "FR" in card  # licence policy, FR cite
    shot(page, "01-screen-huawei")

    page.click("text=Save as case")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_url = page.url
    page.select_option("#decision-1", "true_match")
    page.fill("#reason-1", "Same entity: Shenzhen HQ, listed 2019 (84 FR 22961)")
    page.click("form.disposition >> nth=0 >> button")
    page.wait_for_selector("#dispositions >> text=true match")
    assert "E2E Admin" in page.inner_text("#dispositions")
    shot(page, "02-case-dispositioned")

    page.goto(case_url + "/report.html")
    report = page.inner_text("body")
    assert HUAWEI in report and "true match" in report and "audit hash" in report
    shot(page, "03-case-report")

    resp = page.request.get(case_url + "/report.pdf")
    assert resp.status == 200 and resp.headers["content-type"] == "application/pdf"
    pdf = resp.body()
    assert pdf.startswith(b"%PDF-")
    (shot.__globals__["ARTIFACTS"] / "case-report.pdf").write_bytes(pdf)
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Huawei Technologies" in text and HUAWEI in text.replace(" ", "").replace("\n", "")


def test_determination_from_the_form(page: Any, server: Server) -> None:
    _login(page, server, "/check")
    page.fill("#as_of", "2025-06-01")
    page.select_option("#activity", "export")
    page.fill("#to_country", "CN")
    page.fill("#chip", "H100")
    page.fill("#quantity", "8")
    page.fill("#party_name", "Example Trading Ltd")
    page.fill("#party_country", "CN")
    page.click("form >> text=Determine")
    result = page.wait_for_selector("#check-result")
    text = result.inner_text()
    assert "license required" in text.lower() and "15 CFR" in text
    assert "PRC side" in text
    shot(page, "04-determination")
    page.click("text=Save as case")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    shot(page, "05-determination-case")


def test_batch_upload_shows_progress_then_results(page: Any, server: Server, tmp_path: Any) -> None:
    csv_path = tmp_path / "parties.csv"
    rows = [
        f"{i},{name},{cc}"
        for i, (name, cc) in enumerate(
            [
                (HUAWEI, "CN"),
                ("Blue Harbour Bakery", "GB"),
                ("Sugon", "CN"),
                ("Zhejiang Dahua Technology", "CN"),
            ]
            * 8
        )
    ]
    csv_path.write_text("id,name,country\n" + "\n".join(rows) + "\n", "utf-8")
    _login(page, server, "/batch")
    page.set_input_files("#file", str(csv_path))
    page.click("text=Upload and screen")
    page.wait_for_selector("#batch-job")
    page.wait_for_selector("#batch-job >> text=Download results CSV", timeout=120_000)
    assert "32 / 32" in page.inner_text("#batch-job")
    shot(page, "06-batch-done")


def test_compare_draws_a_chart_and_audit_is_intact(page: Any, server: Server) -> None:
    _login(page, server, "/compare")
    page.fill("#name1", "H100")
    page.fill("#name2", "Ascend 910C")
    page.click("form >> text=Compare")
    page.wait_for_selector("#compare-result svg.chart rect")
    shot(page, "07-compare")
    page.goto(server.url + "/classify")
    page.fill("#chip", "H20")
    page.click("form >> text=Classify")
    page.wait_for_selector("#classify-result")
    shot(page, "08-classify")
    page.goto(server.url + "/audit")
    assert "Chain intact" in page.inner_text("#chain")
    shot(page, "09-audit")
    page.click("table a >> nth=0")
    page.click("text=Replay")
    page.wait_for_selector("#replay-result")
    assert "byte-identical" in page.inner_text("#replay-result")
    shot(page, "10-replay")
