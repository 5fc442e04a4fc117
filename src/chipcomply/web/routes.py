"""The web pages: forms in, the desk's answers out, rendered on the server.

Pages authenticate with a session cookie set by the login page (which takes an API key);
every form post carries the session's CSRF token (a hidden field, or the ``X-CSRF-Token``
header that htmx sends). htmx requests get the partial, plain requests the whole page, so
every page also works without JavaScript.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, get_args

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData, UploadFile

from chipcomply import reports
from chipcomply.api.auth import allowed, desk_of
from chipcomply.api.errors import ApiError
from chipcomply.cli.common import parse_document
from chipcomply.errors import BadInput, ChipcomplyError
from chipcomply.logic.case import Activity, Purpose, Role
from chipcomply.service import DECISIONS, Desk, NotFound, Principal
from chipcomply.web.charts import compare_chart

router = APIRouter(include_in_schema=False)
COOKIE = "cc_session"
# The determination form offers exactly the case vocabulary; end_user comes first because
# it is the party most cases are about.
ACTIVITIES = get_args(Activity)
ROLES = ("end_user", *(r for r in get_args(Role) if r != "end_user"))
PURPOSES = get_args(Purpose)
MAX_UPLOAD = 5 * 1024 * 1024


def _make_env() -> jinja2.Environment:
    base = resources.files("chipcomply")
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(str(base / "web" / "templates")),
                jinja2.FileSystemLoader(str(base / "reports" / "templates")),
            ]
        ),
        autoescape=True,
    )
    reports.add_filters(env)
    env.globals["allowed"] = allowed
    return env


_ENV = _make_env()


class Page:
    """The signed-in person on a page, with the session's CSRF token."""

    def __init__(self, who: Principal, csrf: str) -> None:
        self.who = who
        self.csrf = csrf


def _session(request: Request) -> Page:
    token = request.cookies.get(COOKIE)
    found = desk_of(request).session(token) if token else None
    if found is None:
        raise ApiError(401, "unauthorized", "sign in first")
    return Page(*found)


def page(permission: str) -> Any:
    def dependency(request: Request) -> Page:
        p = _session(request)
        if not allowed(p.who.role, permission):
            raise ApiError(403, "forbidden", f"role {p.who.role} may not {permission}")
        return p

    return Depends(dependency)


async def _form(request: Request, p: Page) -> FormData:
    form = await request.form(max_part_size=MAX_UPLOAD)
    token = request.headers.get("x-csrf-token") or form.get("csrf_token")
    if not isinstance(token, str) or token != p.csrf:
        raise ApiError(403, "csrf", "missing or wrong CSRF token; reload the page")
    return form


def _text(form: FormData, key: str) -> str:
    v = form.get(key)
    return v.strip() if isinstance(v, str) else ""


def render(
    request: Request, name: str, p: Page | None, status: int = 200, **ctx: Any
) -> HTMLResponse:
    html = _ENV.get_template(name).render(
        request=request,
        me=p.who if p else None,
        csrf=p.csrf if p else "",
        nav=ctx.pop("nav", ""),
        **ctx,
    )
    return HTMLResponse(html, status_code=status)


def _partial_or_page(request: Request, p: Page, page_tpl: str, **ctx: Any) -> HTMLResponse:
    """htmx gets the results fragment; a plain post gets the page with results filled in."""
    if request.headers.get("hx-request"):
        return render(request, ctx.pop("fragment"), p, **ctx)
    ctx.pop("fragment", None)
    return render(request, page_tpl, p, **ctx)


def _error_fragment(
    request: Request, p: Page, exc: ChipcomplyError, page_tpl: str, **ctx: Any
) -> HTMLResponse:
    ctx["error"] = exc.message
    return _partial_or_page(request, p, page_tpl, fragment="_error.html", **ctx)


# -- sign in / out ------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/screen") -> HTMLResponse:
    return render(request, "login.html", None, next=_safe_next(next), error=None)


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/screen"


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    key = form.get("key")
    target = _safe_next(str(form.get("next") or "/screen"))
    found = desk_of(request).login(key.strip()) if isinstance(key, str) and key.strip() else None
    if found is None:
        return render(
            request,
            "login.html",
            None,
            status=401,
            next=target,
            error="That key is not valid (or was revoked).",
        )
    _who, token, _csrf = found
    resp = RedirectResponse(target, status_code=303)
    resp.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        max_age=12 * 3600,
        secure=request.url.scheme == "https",
    )
    return resp


@router.post("/logout")
async def logout(request: Request, p: Page = page("reference")) -> Response:
    await _form(request, p)
    token = request.cookies.get(COOKIE)
    if token:
        desk_of(request).logout(token)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE)
    return resp


@router.get("/")
def home(request: Request, p: Page = page("cases.read")) -> Response:
    return RedirectResponse(
        "/screen" if allowed(p.who.role, "answer") else "/cases", status_code=303
    )


# -- screening ---------------------------------------------------------------------------


@router.get("/screen", response_class=HTMLResponse)
def screen_page(request: Request, p: Page = page("answer")) -> HTMLResponse:
    return render(request, "screen.html", p, nav="screen", form={}, result=None)


@router.post("/screen", response_class=HTMLResponse)
async def screen_post(request: Request, p: Page = page("answer")) -> HTMLResponse:
    form = await _form(request, p)
    fields = {"name": _text(form, "name"), "country": _text(form, "country").upper() or None}
    thr = _text(form, "threshold")
    ctx: dict[str, Any] = {"nav": "screen", "form": fields}
    try:
        if thr:
            try:
                fields["threshold"] = float(thr)  # type: ignore[assignment]
            except ValueError:
                raise BadInput("threshold", f"expected a number from 0 to 1, got {thr!r}") from None
        ans = desk_of(request).screen(p.who, {k: v for k, v in fields.items() if v is not None})
    except ChipcomplyError as exc:
        return _error_fragment(request, p, exc, "screen.html", result=None, **ctx)
    return _partial_or_page(
        request,
        p,
        "screen.html",
        fragment="_screen_result.html",
        result=ans.body,
        audit_id=ans.audit_id,
        **ctx,
    )


@router.get("/batch", response_class=HTMLResponse)
def batch_page(request: Request, p: Page = page("answer")) -> HTMLResponse:
    return render(request, "batch.html", p, nav="batch", job=None)


@router.post("/batch", response_class=HTMLResponse)
async def batch_post(request: Request, p: Page = page("answer")) -> HTMLResponse:
    form = await _form(request, p)
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise BadInput("file", "choose a CSV file to upload")
        data = await upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise BadInput("file", "larger than 5 MB")
        job_id = desk_of(request).start_batch(p.who, upload.filename or "upload.csv", data)
    except ChipcomplyError as exc:
        return _error_fragment(request, p, exc, "batch.html", nav="batch", job=None)
    job = desk_of(request).batch(job_id)
    return _partial_or_page(
        request, p, "batch.html", fragment="_batch_progress.html", nav="batch", job=job
    )


@router.get("/batch/{job_id}", response_class=HTMLResponse)
def batch_progress(request: Request, job_id: int, p: Page = page("answer")) -> HTMLResponse:
    job = desk_of(request).batch(job_id)
    return _partial_or_page(
        request, p, "batch.html", fragment="_batch_progress.html", nav="batch", job=job
    )


@router.get("/batch/{job_id}/results.csv")
def batch_csv(request: Request, job_id: int, p: Page = page("answer")) -> Response:
    return Response(
        desk_of(request).batch_csv(job_id),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="batch-{job_id}.csv"'},
    )


# -- classify and compare -------------------------------------------------------------------


@router.get("/classify", response_class=HTMLResponse)
def classify_page(request: Request, p: Page = page("answer")) -> HTMLResponse:
    return render(
        request,
        "classify.html",
        p,
        nav="classify",
        form={},
        result=None,
        names=desk_of(request).catalog_names(),
    )


@router.post("/classify", response_class=HTMLResponse)
async def classify_post(request: Request, p: Page = page("answer")) -> HTMLResponse:
    form = await _form(request, p)
    desk = desk_of(request)
    fields = {"chip": _text(form, "chip"), "as_of": _text(form, "as_of")}
    ctx: dict[str, Any] = {"nav": "classify", "form": fields, "names": desk.catalog_names()}
    try:
        body: dict[str, Any] = {"as_of": fields["as_of"] or None}
        spec_text = _text(form, "spec")
        if spec_text:
            body["spec"] = parse_document(spec_text, "spec")
        else:
            body["chip"] = fields["chip"] or None
        ans = desk.classify(p.who, body)
    except ChipcomplyError as exc:
        return _error_fragment(request, p, exc, "classify.html", result=None, **ctx)
    return _partial_or_page(
        request,
        p,
        "classify.html",
        fragment="_classify_result.html",
        result=ans.body,
        audit_id=ans.audit_id,
        **ctx,
    )


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, p: Page = page("answer")) -> HTMLResponse:
    return render(
        request,
        "compare.html",
        p,
        nav="compare",
        form={},
        result=None,
        names=desk_of(request).catalog_names(),
    )


@router.post("/compare", response_class=HTMLResponse)
async def compare_post(request: Request, p: Page = page("answer")) -> HTMLResponse:
    form = await _form(request, p)
    desk = desk_of(request)
    names = [n for n in (_text(form, f"name{i}") for i in range(1, 5)) if n]
    fields = {f"name{i}": _text(form, f"name{i}") for i in range(1, 5)}
    fields["as_of"] = _text(form, "as_of")
    ctx: dict[str, Any] = {"nav": "compare", "form": fields, "names": desk.catalog_names()}
    try:
        ans = desk.compare(p.who, {"names": names, "as_of": fields["as_of"] or None})
    except ChipcomplyError as exc:
        return _error_fragment(request, p, exc, "compare.html", result=None, **ctx)
    return _partial_or_page(
        request,
        p,
        "compare.html",
        fragment="_compare_result.html",
        result=ans.body,
        chart=Markup(compare_chart(ans.body)),
        audit_id=ans.audit_id,
        **ctx,
    )


# -- determination ----------------------------------------------------------------------


def _case_from_form(form: FormData) -> dict[str, Any]:
    raw = _text(form, "case_text")
    if raw:
        doc = parse_document(raw, "case")
        if not isinstance(doc, dict):
            raise BadInput("case", "expected a mapping of case fields")
        return doc
    case: dict[str, Any] = {"as_of": _text(form, "as_of"), "activity": _text(form, "activity")}
    for key in ("from_country", "to_country"):
        if _text(form, key):
            case[key] = _text(form, key).upper()
    chip = _text(form, "chip")
    if chip:
        item: dict[str, Any] = {"chip": chip}
        qty = _text(form, "quantity")
        if qty:
            if not qty.isdigit():
                raise BadInput("items[0].quantity", f"expected a whole number, got {qty!r}")
            item["quantity"] = int(qty)
        if _text(form, "item_type"):
            item["item_type"] = _text(form, "item_type")
        case["items"] = [item]
    name = _text(form, "party_name")
    if name:
        party: dict[str, Any] = {"role": _text(form, "party_role") or "end_user", "name": name}
        if _text(form, "party_country"):
            party["country"] = _text(form, "party_country").upper()
        if _text(form, "party_hq"):
            party["headquarters_country"] = _text(form, "party_hq").upper()
        case["parties"] = [party]
    purposes = [v for v in form.getlist("purposes") if isinstance(v, str) and v]
    if purposes:
        case["end_use"] = {"purposes": purposes}
    flags = [f.strip() for f in _text(form, "red_flags").replace(";", ",").split(",") if f.strip()]
    if flags:
        case["red_flags"] = flags
    return case


@router.get("/check", response_class=HTMLResponse)
def check_page(request: Request, p: Page = page("answer")) -> HTMLResponse:
    desk = desk_of(request)
    return render(
        request,
        "check.html",
        p,
        nav="check",
        form={"as_of": desk.today().isoformat()},
        result=None,
        **_check_ctx(desk),
    )


def _check_ctx(desk: Desk) -> dict[str, Any]:
    return {
        "activities": ACTIVITIES,
        "roles": ROLES,
        "purposes": PURPOSES,
        "names": desk.catalog_names(),
    }


@router.post("/check", response_class=HTMLResponse)
async def check_post(request: Request, p: Page = page("answer")) -> HTMLResponse:
    form = await _form(request, p)
    desk = desk_of(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    fields["purposes"] = [v for v in form.getlist("purposes") if isinstance(v, str)]  # type: ignore[assignment]
    ctx: dict[str, Any] = {"nav": "check", "form": fields, **_check_ctx(desk)}
    try:
        ans = desk.check(p.who, _case_from_form(form))
    except ChipcomplyError as exc:
        return _error_fragment(request, p, exc, "check.html", result=None, **ctx)
    return _partial_or_page(
        request,
        p,
        "check.html",
        fragment="_check_result.html",
        result=ans.body,
        audit_id=ans.audit_id,
        **ctx,
    )


# -- cases --------------------------------------------------------------------------------


@router.get("/cases", response_class=HTMLResponse)
def cases_page(request: Request, p: Page = page("cases.read")) -> HTMLResponse:
    return render(request, "cases.html", p, nav="cases", cases=desk_of(request).cases())


@router.post("/cases")
async def cases_post(request: Request, p: Page = page("cases.write")) -> Response:
    form = await _form(request, p)
    aid = _text(form, "audit_id")
    if not aid.isdigit():
        raise BadInput("audit_id", "expected the id of a screening or determination record")
    case = desk_of(request).create_case(
        p.who, {"audit_id": int(aid), "title": _text(form, "title") or None}
    )
    return _redirect(request, f"/cases/{case['id']}")


def _redirect(request: Request, target: str) -> Response:
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: int, p: Page = page("cases.read")) -> HTMLResponse:
    case = desk_of(request).case(case_id)
    return render(request, "case.html", p, nav="cases", case=case, decisions=DECISIONS, error=None)


@router.post("/cases/{case_id}/dispositions", response_class=HTMLResponse)
async def case_disposition(
    request: Request, case_id: int, p: Page = page("cases.write")
) -> Response:
    form = await _form(request, p)
    desk = desk_of(request)
    try:
        desk.disposition(
            p.who, case_id, {k: _text(form, k) for k in ("record_key", "decision", "reason")}
        )
    except NotFound:
        raise
    except ChipcomplyError as exc:
        return render(
            request,
            "case.html",
            p,
            status=422,
            nav="cases",
            case=desk.case(case_id),
            decisions=DECISIONS,
            error=exc.message,
        )
    return _redirect(request, f"/cases/{case_id}")


@router.post("/cases/{case_id}/red-flags", response_class=HTMLResponse)
async def case_red_flag(request: Request, case_id: int, p: Page = page("cases.write")) -> Response:
    form = await _form(request, p)
    desk = desk_of(request)
    try:
        desk.resolve_red_flag(
            p.who, case_id, {k: _text(form, k) for k in ("flag_id", "resolution")}
        )
    except NotFound:
        raise
    except ChipcomplyError as exc:
        return render(
            request,
            "case.html",
            p,
            status=422,
            nav="cases",
            case=desk.case(case_id),
            decisions=DECISIONS,
            error=exc.message,
        )
    return _redirect(request, f"/cases/{case_id}")


@router.post("/cases/{case_id}/recheck")
async def case_recheck(request: Request, case_id: int, p: Page = page("cases.write")) -> Response:
    await _form(request, p)
    new = desk_of(request).recheck(p.who, case_id)
    return _redirect(request, f"/cases/{new['id']}")


@router.get("/cases/{case_id}/report.html", response_class=HTMLResponse)
def case_report(request: Request, case_id: int, p: Page = page("reports")) -> HTMLResponse:
    return HTMLResponse(reports.case_html(desk_of(request), case_id))


@router.get("/cases/{case_id}/report.pdf")
def case_report_pdf(request: Request, case_id: int, p: Page = page("reports")) -> Response:
    pdf = reports.html_to_pdf(reports.case_html(desk_of(request), case_id))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}.pdf"'},
    )


# -- audit and keys -----------------------------------------------------------------------


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, before: int = 0, p: Page = page("audit")) -> HTMLResponse:
    desk = desk_of(request)
    before = max(0, min(before, 2**31 - 1))
    records = desk.audit_records(before, 50)
    return render(request, "audit.html", p, nav="audit", records=records, chain=desk.verify())


@router.get("/audit/{record_id}", response_class=HTMLResponse)
def audit_record_page(request: Request, record_id: int, p: Page = page("audit")) -> HTMLResponse:
    rec = desk_of(request).audit_record(record_id)
    pretty = {
        k: json.dumps(rec[k], ensure_ascii=False, indent=2) for k in ("input", "output", "context")
    }
    return render(request, "audit_record.html", p, nav="audit", rec=rec, pretty=pretty, replay=None)


@router.post("/audit/{record_id}/replay", response_class=HTMLResponse)
async def audit_replay(request: Request, record_id: int, p: Page = page("audit")) -> HTMLResponse:
    await _form(request, p)
    try:
        r = desk_of(request).replay(record_id)
    except ChipcomplyError as exc:
        return render(request, "_error.html", p, error=exc.message)
    return render(request, "_replay.html", p, replay=r)


@router.get("/audit/{record_id}/report.html", response_class=HTMLResponse)
def audit_report(request: Request, record_id: int, p: Page = page("reports")) -> HTMLResponse:
    return HTMLResponse(reports.answer_html(desk_of(request), record_id))


@router.get("/keys", response_class=HTMLResponse)
def keys_page(request: Request, p: Page = page("keys")) -> HTMLResponse:
    return render(
        request, "keys.html", p, nav="keys", keys=desk_of(request).store.list_keys(), new=None
    )


@router.post("/keys", response_class=HTMLResponse)
async def keys_post(request: Request, p: Page = page("keys")) -> HTMLResponse:
    form = await _form(request, p)
    desk = desk_of(request)
    new = desk.create_key(p.who, _text(form, "role"), _text(form, "label") or None)
    return render(request, "keys.html", p, nav="keys", keys=desk.store.list_keys(), new=new)
