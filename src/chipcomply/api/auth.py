"""API keys and roles: who may call what.

API requests carry ``Authorization: Bearer KEY``; browser pages use the session cookie set
by the login page (see ``chipcomply.web``). A missing or wrong key is 401, a role without
the right is 403.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from chipcomply.api.errors import ApiError, error_body
from chipcomply.service import Desk, Principal

#: What each role may do. "answer": screen/check/classify/compare/match and batch;
#: "reference": rules and lists; "cases.write": create cases, disposition hits, resolve
#: red flags; "audit": read, verify and replay the audit trail; "keys": manage API keys.
PERMISSIONS: dict[str, frozenset[str]] = {
    "analyst": frozenset({"answer", "reference", "cases.read", "cases.write", "reports"}),
    "auditor": frozenset({"reference", "cases.read", "reports", "audit"}),
    "admin": frozenset(
        {"answer", "reference", "cases.read", "cases.write", "reports", "audit", "keys", "lists"}
    ),
}

bearer = HTTPBearer(auto_error=False, description="An API key from `chipcomply keys create`.")


def desk_of(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def allowed(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())


def require(permission: str) -> Callable[..., Principal]:
    def dependency(
        request: Request,
        creds: HTTPAuthorizationCredentials | None = Depends(bearer),
    ) -> Principal:
        if creds is None or not creds.credentials:
            raise ApiError(
                401, "unauthorized", "missing credentials: send Authorization: Bearer KEY"
            )
        who = desk_of(request).authenticate(creds.credentials)
        if who is None:
            raise ApiError(401, "unauthorized", "invalid or revoked API key")
        if not allowed(who.role, permission):
            raise ApiError(
                403, "forbidden", f"role {who.role} may not {permission.replace('.', ' ')}"
            )
        return who

    return dependency


class ApiAuth:
    """ASGI middleware: every /api request is authenticated before anything else happens,
    so a request without a valid key learns nothing (not even whether its body was valid
    or its path exists) and gets 401."""

    def __init__(self, app: ASGIApp, desk: Desk) -> None:
        self.app = app
        self.desk = desk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/api"):
            await self.app(scope, receive, send)
            return
        header = ""
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                header = value.decode("latin-1")
                break
        scheme, _, key = header.partition(" ")
        problem = "missing credentials: send Authorization: Bearer KEY"
        who: Principal | None = None
        if scheme.lower() == "bearer" and key.strip():
            key = key.strip()
            who = self.desk.cached_principal(key) or await anyio.to_thread.run_sync(
                self.desk.authenticate, key
            )
            problem = "invalid or revoked API key"
        if who is None:
            resp = JSONResponse(
                error_body("unauthorized", problem),
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
            await resp(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = who
        await self.app(scope, receive, send)
