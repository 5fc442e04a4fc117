"""Error responses: ``{"error": {"code", "message", "field"}}`` with a 4xx status, never a 500."""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from chipcomply.errors import BadInput, ChipcomplyError, InsufficientInformation
from chipcomply.service import NotFound, Unavailable

log = logging.getLogger("chipcomply.api")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if field:
        err["field"] = field
    return {"error": err}


def _is_page(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api") or path in ("/health", "/openapi.json", "/docs"))


def _response(
    request: Request, status: int, code: str, message: str, field: str | None = None
) -> Response:
    if status == 401 and _is_page(request):
        return RedirectResponse("/login?next=" + request.url.path, status_code=303)
    if _is_page(request) and not request.url.path.startswith("/static"):
        return HTMLResponse(_error_page(status, message), status_code=status)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(code, message, field), status_code=status, headers=headers)


def _error_page(status: int, message: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{status} · chipcomply</title>"
        '<link rel="stylesheet" href="/static/app.css"></head><body><main>'
        f'<section class="card narrow"><h1>{status}</h1><p class="error">{escape(message)}</p>'
        '<p><a href="/">Back to the desk</a></p></section></main></body></html>'
    )


def _loc(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or (str(loc[0]) if loc else "input")


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return _response(request, exc.status, exc.code, exc.message, exc.field)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        err = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = _loc(err.get("loc", ()))
        msg = str(err.get("msg", "invalid"))
        if err.get("type") == "missing":
            msg = "required field is missing"
        elif err.get("type") == "extra_forbidden":
            msg = "unknown field"
        return JSONResponse(
            error_body("invalid_request", f"{field}: {msg}", field), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return _response(request, exc.status_code, code, str(exc.detail))

    @app.exception_handler(ChipcomplyError)
    async def _core(request: Request, exc: ChipcomplyError) -> Response:
        if isinstance(exc, NotFound):
            return _response(request, 404, "not_found", exc.message)
        if isinstance(exc, BadInput):
            return _response(request, 422, "bad_input", exc.message, exc.field or None)
        if isinstance(exc, InsufficientInformation):
            return _response(request, 422, "insufficient_information", exc.message)
        if isinstance(exc, Unavailable):
            return _response(request, 503, "unavailable", exc.message)
        return _response(request, 422, "unprocessable", exc.message)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("internal_error", "internal error (please report)"), status_code=500
        )
