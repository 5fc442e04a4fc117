"""API keys and roles: who may call what.

API requests carry ``Authorization: Bearer KEY``; browser pages use the session cookie set
by the login page (see ``chipcomply.web``). A missing or wrong key is 401, a role without
the right is 403.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chipcomply.api.errors import ApiError
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
