"""The JSON API: parse the request, call the desk, return the CLI's ``--json`` object.

Every answer is audited; its record id and hash come back in the ``X-Audit-Id`` and
``X-Audit-Hash`` headers so the body stays exactly the CLI's shape.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Body, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from chipcomply import reports
from chipcomply.api.auth import desk_of, require
from chipcomply.api.errors import ApiError
from chipcomply.api.models import (
    CaseRequest,
    ClassifyRequest,
    CompareRequest,
    DispositionRequest,
    KeyRequest,
    MatchRequest,
    ResolutionRequest,
    ScreenRequest,
)
from chipcomply.service import Answer, Principal

router = APIRouter(prefix="/api")
MAX_UPLOAD = 5 * 1024 * 1024
MAX_LIST_UPLOAD = 200 * 1024 * 1024


def Id() -> Any:
    """A positive database id in a path (a fresh parameter object per use)."""
    return Path(ge=1, le=2**31 - 1)


def _answer(answer: Answer, status: int = 200) -> Response:
    headers = {"X-Audit-Id": str(answer.audit_id), "X-Audit-Hash": answer.audit_hash}
    if answer.body_json is not None:  # the stored canonical JSON: encoded once, not twice
        return Response(
            answer.body_json.encode("utf-8"),
            status_code=status,
            media_type="application/json",
            headers=headers,
        )
    return JSONResponse(answer.body, status_code=status, headers=headers)


def _dump(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(exclude_unset=True, by_alias=True)
    return data


# -- answers -------------------------------------------------------------------------


@router.post("/classify", tags=["answers"], summary="Classify a chip or spec (3A090/4A090)")
def classify(
    request: Request, body: ClassifyRequest, who: Principal = Depends(require("answer"))
) -> Response:
    return _answer(desk_of(request).classify(who, _dump(body)))


@router.post("/compare", tags=["answers"], summary="Compare catalogue chips and systems")
def compare(
    request: Request, body: CompareRequest, who: Principal = Depends(require("answer"))
) -> Response:
    return _answer(desk_of(request).compare(who, _dump(body)))


@router.post("/screen", tags=["answers"], summary="Screen one party against the lists")
def screen(
    request: Request, body: ScreenRequest, who: Principal = Depends(require("answer"))
) -> Response:
    return _answer(desk_of(request).screen(who, _dump(body)))


@router.post("/match", tags=["answers"], summary="Score two names against each other")
def match(
    request: Request, body: MatchRequest, who: Principal = Depends(require("answer"))
) -> Response:
    return _answer(desk_of(request).match(who, _dump(body)))


@router.post(
    "/check", tags=["answers"], summary="Determine a case (the object of `chipcomply check`)"
)
def check(
    request: Request,
    body: dict[str, Any] = Body(
        ...,
        examples=[
            {
                "as_of": "2025-06-01",
                "activity": "export",
                "from_country": "US",
                "to_country": "SG",
                "items": [{"chip": "H100", "quantity": 8}],
                "parties": [{"role": "end_user", "name": "Example Pte Ltd", "country": "SG"}],
            }
        ],
    ),
    who: Principal = Depends(require("answer")),
) -> Response:
    return _answer(desk_of(request).check(who, body))


@router.post("/screen/batch", tags=["answers"], status_code=202, summary="Upload a CSV to screen")
async def screen_batch(
    request: Request,
    file: UploadFile = File(..., description="CSV with a name column (optional country, id)."),
    who: Principal = Depends(require("answer")),
) -> JSONResponse:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ApiError(413, "too_large", "file: larger than 5 MB", "file")
    job = desk_of(request).start_batch(who, file.filename or "upload.csv", data)
    return JSONResponse({"job_id": job, "status": "running"}, status_code=202)


@router.get("/screen/batch/{job_id}", tags=["answers"], summary="Progress and results of a batch")
def screen_batch_status(
    request: Request, job_id: int = Id(), who: Principal = Depends(require("answer"))
) -> dict[str, Any]:
    return desk_of(request).batch(job_id)


@router.get("/screen/batch/{job_id}/csv", tags=["answers"], summary="Batch results as CSV")
def screen_batch_csv(
    request: Request, job_id: int = Id(), who: Principal = Depends(require("answer"))
) -> PlainTextResponse:
    return PlainTextResponse(desk_of(request).batch_csv(job_id), media_type="text/csv")


@router.get("/whoami", tags=["meta"], summary="The caller's key id, role and permissions")
def whoami(request: Request, who: Principal = Depends(require("cases.read"))) -> dict[str, Any]:
    from chipcomply.api.auth import PERMISSIONS

    return {
        "key_id": who.key_id,
        "role": who.role,
        "label": who.label,
        "permissions": sorted(PERMISSIONS[who.role]),
    }


# -- reference --------------------------------------------------------------------------


@router.get("/rules", tags=["reference"], summary="Rules in force on a date")
def rules(
    request: Request,
    as_of: str | None = Query(None, max_length=10, description="YYYY-MM-DD; today by default"),
    rule_id: str | None = Query(None, max_length=200),
    who: Principal = Depends(require("reference")),
) -> dict[str, Any]:
    return desk_of(request).rules(as_of, rule_id)


@router.get("/lists", tags=["reference"], summary="The list snapshots screening runs against")
def lists(request: Request, who: Principal = Depends(require("reference"))) -> dict[str, Any]:
    return desk_of(request).lists()


@router.post("/lists/import", tags=["admin"], status_code=201, summary="Import a list edition")
async def lists_import(
    request: Request,
    file: UploadFile = File(..., description="An official CSL or OFAC file."),
    format: str | None = Form(None, max_length=40, description="List format; guessed if omitted"),
    as_of: str | None = Form(
        None, max_length=10, description="Edition date when the file has none"
    ),
    who: Principal = Depends(require("lists")),
) -> JSONResponse:
    data = await file.read(MAX_LIST_UPLOAD + 1)
    if len(data) > MAX_LIST_UPLOAD:
        raise ApiError(413, "too_large", "file: larger than 200 MB", "file")
    desk = desk_of(request)
    meta = await anyio.to_thread.run_sync(
        desk.import_list, who, file.filename or "upload", data, format, as_of
    )
    return JSONResponse(meta, status_code=201)


@router.post("/lists/reset", tags=["admin"], summary="Go back to the bundled list editions")
def lists_reset(
    request: Request,
    family: str | None = Query(None, max_length=40),
    who: Principal = Depends(require("lists")),
) -> dict[str, Any]:
    return desk_of(request).reset_lists(who, family)


# -- cases ------------------------------------------------------------------------------


@router.post("/cases", tags=["cases"], status_code=201, summary="Save a screening or determination")
def create_case(
    request: Request, body: CaseRequest, who: Principal = Depends(require("cases.write"))
) -> JSONResponse:
    return JSONResponse(desk_of(request).create_case(who, _dump(body)), status_code=201)


@router.get("/cases", tags=["cases"], summary="All cases, newest first")
def list_cases(
    request: Request, who: Principal = Depends(require("cases.read"))
) -> list[dict[str, Any]]:
    return desk_of(request).cases()


@router.get("/cases/{case_id}", tags=["cases"])
def get_case(
    request: Request, case_id: int = Id(), who: Principal = Depends(require("cases.read"))
) -> dict[str, Any]:
    return desk_of(request).case(case_id)


@router.post("/cases/{case_id}/dispositions", tags=["cases"], status_code=201)
def disposition(
    request: Request,
    body: DispositionRequest,
    case_id: int = Id(),
    who: Principal = Depends(require("cases.write")),
) -> JSONResponse:
    return JSONResponse(desk_of(request).disposition(who, case_id, _dump(body)), status_code=201)


@router.post("/cases/{case_id}/red-flags", tags=["cases"], status_code=201)
def resolve_red_flag(
    request: Request,
    body: ResolutionRequest,
    case_id: int = Id(),
    who: Principal = Depends(require("cases.write")),
) -> JSONResponse:
    return JSONResponse(
        desk_of(request).resolve_red_flag(who, case_id, _dump(body)), status_code=201
    )


@router.post("/cases/{case_id}/recheck", tags=["cases"], status_code=201)
def recheck(
    request: Request, case_id: int = Id(), who: Principal = Depends(require("cases.write"))
) -> JSONResponse:
    return JSONResponse(desk_of(request).recheck(who, case_id), status_code=201)


@router.get("/cases/{case_id}/report.html", tags=["reports"], response_class=HTMLResponse)
def case_report_html(
    request: Request, case_id: int = Id(), who: Principal = Depends(require("reports"))
) -> HTMLResponse:
    return HTMLResponse(reports.case_html(desk_of(request), case_id))


@router.get("/cases/{case_id}/report.pdf", tags=["reports"])
def case_report_pdf(
    request: Request, case_id: int = Id(), who: Principal = Depends(require("reports"))
) -> Response:
    pdf = reports.html_to_pdf(reports.case_html(desk_of(request), case_id))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}.pdf"'},
    )


# -- audit --------------------------------------------------------------------------------


@router.get("/audit", tags=["audit"], summary="Audit records, newest first")
def audit_list(
    request: Request,
    before: int = Query(0, ge=0, le=2**31 - 1, description="Only records with a smaller id"),
    limit: int = Query(50, ge=1, le=500),
    kind: str | None = Query(None, max_length=40),
    who: Principal = Depends(require("audit")),
) -> list[dict[str, Any]]:
    return desk_of(request).audit_records(before, limit, kind)


@router.get("/audit/verify", tags=["audit"], summary="Verify the whole hash chain")
def audit_verify(request: Request, who: Principal = Depends(require("audit"))) -> dict[str, Any]:
    return desk_of(request).verify()


@router.get("/audit/{record_id}", tags=["audit"])
def audit_get(
    request: Request, record_id: int = Id(), who: Principal = Depends(require("audit"))
) -> dict[str, Any]:
    return desk_of(request).audit_record(record_id)


@router.post("/audit/{record_id}/replay", tags=["audit"], summary="Recompute a stored answer")
def audit_replay(
    request: Request, record_id: int = Id(), who: Principal = Depends(require("audit"))
) -> dict[str, Any]:
    r = desk_of(request).replay(record_id)
    return {
        "id": r.record_id,
        "kind": r.kind,
        "identical": r.identical,
        "problem": r.problem,
        "diff": r.diff,
    }


@router.get("/audit/{record_id}/report.html", tags=["reports"], response_class=HTMLResponse)
def answer_report_html(
    request: Request, record_id: int = Id(), who: Principal = Depends(require("reports"))
) -> HTMLResponse:
    return HTMLResponse(reports.answer_html(desk_of(request), record_id))


# -- keys -----------------------------------------------------------------------------------


@router.post("/keys", tags=["admin"], status_code=201, summary="Create an API key (shown once)")
def create_key(
    request: Request, body: KeyRequest, who: Principal = Depends(require("keys"))
) -> JSONResponse:
    return JSONResponse(desk_of(request).create_key(who, body.role, body.label), status_code=201)


@router.get("/keys", tags=["admin"], summary="API keys (never their secrets)")
def list_keys(request: Request, who: Principal = Depends(require("keys"))) -> list[dict[str, Any]]:
    return desk_of(request).store.list_keys()


@router.delete("/keys/{key_id}", tags=["admin"], summary="Revoke a key")
def revoke_key(
    request: Request,
    key_id: str = Path(min_length=1, max_length=40),
    who: Principal = Depends(require("keys")),
) -> dict[str, Any]:
    return desk_of(request).revoke_key(who, key_id)
