"""The FastAPI application: JSON API under /api, web pages at /, /health for probes."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from chipcomply import __version__
from chipcomply.api import errors
from chipcomply.api.auth import ApiAuth
from chipcomply.api.routes import router
from chipcomply.service import Desk, get_desk
from chipcomply.store import display_url


def create_app(db: str | None = None, desk: Desk | None = None) -> FastAPI:
    from chipcomply.web import routes as web

    the_desk = desk or get_desk(db)
    app = FastAPI(
        title="chipcomply compliance desk",
        version=__version__,
        description="Export-control compliance for AI compute: classify, screen, determine — "
        "with citations, as of any date, every answer recorded in a tamper-evident audit trail. "
        "Send `Authorization: Bearer KEY` (a key from `chipcomply keys create`).",
    )
    app.state.desk = the_desk
    errors.install(app)
    app.add_middleware(ApiAuth, desk=the_desk)

    @app.get("/health", tags=["meta"], summary="Liveness (no credentials needed)")
    def health(request: Request) -> dict[str, Any]:
        d: Desk = request.app.state.desk
        return {
            "status": "ok",
            "version": __version__,
            "database": d.store.dialect,
            "schema_version": d.store.schema_version(),
            "rulebook": d.rulebook.version,
        }

    app.include_router(router)
    static = Path(str(resources.files("chipcomply.web") / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
    app.include_router(web.router)
    app.state.db_display = display_url(the_desk.store.url)
    return app


SERVE_DB_ENV = "CHIPCOMPLY_SERVE_DB"


def app_from_env() -> FastAPI:
    """App factory for multi-process serving (``chipcomply serve --workers N``)."""
    import os

    return create_app(db=os.environ.get(SERVE_DB_ENV) or None)
