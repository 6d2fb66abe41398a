"""How a refusal or an error reaches the person: a page (or JSON under /api/), and the audit log.

A refused request (wrong role, bad CSRF token, a replayed form, a service's Forbidden or
WrongStage) is written to the audit log in its own transaction, after the request's own was
rolled back, as the CLI does (thidua/cli/main.py).
"""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from thidua.db import get_engine
from thidua.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    NotReady,
    Problem,
    ThiduaError,
    WrongStage,
    field_path,
    reason_of,
)
from thidua.services.api_tokens import TokenUse
from thidua.services.audit import record_refusal
from thidua.web.access import NotSignedIn, Refused
from thidua.web.render import page, redirect, root_path
from thidua.web.sessions import Signed

STATUS: dict[type[ThiduaError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Forbidden: 403,
    WrongStage: 409,
    Conflict: 409,
    NotReady: 409,
}


def is_api(request: Request) -> bool:
    path = request.url.path.removeprefix(root_path(request))
    return path == "/api" or path.startswith("/api/")


def status_of(exc: ThiduaError) -> int:
    for kind, status in STATUS.items():
        if isinstance(exc, kind):
            return status
    return 400


def audit_refusal(request: Request, reason: str, *, claimed: str | None = None) -> None:
    """Log a refused request; never let the log hide the refusal itself."""
    signed: Signed | None = getattr(request.state, "signed", None)
    # An API request acts as its token's account (thidua/web/api/auth.py).
    use: TokenUse | None = getattr(request.state, "api_token", None)
    # Names read when the request was authenticated: still there after a rollback.
    actor_id = signed.actor_id if signed else (use.actor_id if use else None)
    username = signed.username if signed else (use.username if use else "")
    campaign = str(request.path_params.get("campaign_id", ""))
    try:
        record_refusal(
            get_engine(),
            command=f"web {request.method} {request.url.path}"
            if use is None
            else f"api {request.method} {request.url.path} (mã API số {use.token_id})",
            reason=reason,
            campaign_id=int(campaign) if campaign.isdigit() and len(campaign) <= 9 else None,
            actor_id=actor_id,
            claimed=claimed if claimed is not None else (username or None),
            substitute_id=signed.by_id if signed else None,
        )
    except Exception:  # the database may be the very thing that is wrong
        return


def error_response(request: Request, status: int, message: str, **extra: Any) -> Response:
    if is_api(request):
        # The shape of the CLI's --json errors (`error`, `field`, `problems`), and `detail`.
        body = {"detail": message, "error": message, "field": None, "problems": [], **extra}
        return JSONResponse(body, status_code=status)
    return page(request, "error.html", status=status, message=message, code=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    def _not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if is_api(request):
            from thidua.web.api.auth import log_refused_token

            log_refused_token(request)
            response = error_response(request, 401, str(exc) or "Chưa xác thực")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        here = request.url.path.removeprefix(root_path(request))
        target = here + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return redirect(request, f"/signin?next={quote(target, safe='/')}")

    @app.exception_handler(Refused)
    def _refused(request: Request, exc: Refused) -> Response:
        audit_refusal(request, exc.message)
        return error_response(request, exc.status, exc.message)

    @app.exception_handler(ThiduaError)
    def _thidua_error(request: Request, exc: ThiduaError) -> Response:
        if isinstance(exc, Forbidden | WrongStage):
            audit_refusal(request, exc.message)
        problems = [p.to_json() for p in getattr(exc, "problems", ())]
        if not is_api(request):
            return error_response(request, status_of(exc), exc.message, problems=problems)
        invalid = exc if isinstance(exc, InvalidInput) else None
        return error_response(
            request,
            status_of(exc),
            exc.message,
            error=invalid.reason if invalid else exc.message,
            field=invalid.field if invalid else None,
            problems=problems,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # A query or path parameter of the API: the problems as every other input's.
        if not is_api(request):
            return await request_validation_exception_handler(request, exc)
        invalid = InvalidInput.of(
            [Problem(field_path(e["loc"][1:]), reason_of(e)) for e in exc.errors()]
        )
        return _thidua_error(request, invalid)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "Không tìm thấy trang", 405: "Phương thức không được hỗ trợ"}
        message = messages.get(exc.status_code, str(exc.detail))
        return error_response(request, exc.status_code, message)
