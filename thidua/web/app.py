"""The web portal's application: `create_app()` builds it and refuses to build it with a route
that does not say who may use it (thidua/web/access.py)."""

from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from thidua.settings import get_settings
from thidua.web import errors
from thidua.web.access import routes_of
from thidua.web.render import root_path

STATIC = "/static"
# Every answer: nothing loaded from elsewhere, no framing, no guessing of types. A response
# that sets its own policy (a stored HTML document, sandboxed) keeps it.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def routers() -> list[APIRouter]:
    """Every router of the portal. A new page module adds its router here."""
    from thidua.web import (
        ballot,
        campaigns,
        delegations,
        directorate,
        documents,
        explanation,
        home,
        leader,
        officer,
        proposals,
        signin,
        written,
    )
    from thidua.web.api import actions, docs, reads

    return [
        signin.router,
        home.router,
        campaigns.router,
        documents.router,
        officer.router,
        ballot.router,
        leader.router,
        directorate.router,
        delegations.router,
        written.router,
        explanation.router,
        proposals.router,
        reads.router,
        actions.router,
        docs.router,
    ]


class UndeclaredRoute(RuntimeError):
    pass


def check_declarations(app: FastAPI) -> None:
    """Deny by default: every route names its roles (allow) or says it is public, exactly once;
    the only mount is the package's static files."""
    undeclared = [
        f"{'/'.join(sorted(r.methods)) or 'MOUNT'} {r.path}"
        for r in routes_of(app)
        if r.access is None and not (r.mount and r.path == STATIC)
    ]
    if undeclared:
        raise UndeclaredRoute(
            "Các đường dẫn không khai báo vai trò được dùng (allow(...) hoặc public): "
            + ", ".join(undeclared)
        )


def create_app() -> FastAPI:
    settings = get_settings()
    # The proxy's path prefix (settings.web_root_path) is Uvicorn's root_path (serve.py): the
    # ASGI server, not the app, says where the app is mounted.
    app = FastAPI(
        title="thidua",
        # FastAPI's own docs routes cannot carry a declaration: the API module serves its own.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    for router in routers():
        app.include_router(router)
    app.mount(STATIC, StaticFiles(packages=[("thidua.web", "static")]), name="static")
    errors.install(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        # Every answer but the stylesheet and script is someone's: no cache keeps it, so the
        # browser's Back after sign-out on a shared computer shows nothing of it.
        shared = request.url.path.removeprefix(root_path(request)).startswith(STATIC + "/")
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not shared:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    trusted = [p.strip() for p in settings.web_trusted_proxies.split(",") if p.strip()]
    if trusted:  # none listed: no one's X-Forwarded-For is believed, not even 127.0.0.1's
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)
    check_declarations(app)
    return app
