"""Pages rendered on the server: the portal's one Jinja2 environment and `page()`.

Templates are in thidua/web/templates (autoescaped, StrictUndefined) and extend base.html.
Every page gets: `t` (words in the page's language), `lang`, `me` (the signed-in person or
None; `who` their name, safe on an error page), `csrf` (the token for forms;
macros.csrf_field puts it in), `flash` (a message left by the previous request), `url(path)`
(a link under the proxy's root path), and the Vietnamese filters of thidua/templating.py
(diem, ngay, gio…) plus `local_time` (localtime.clock).
"""

import secrets
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlmodel import Session

from thidua import localtime
from thidua.settings import get_settings
from thidua.templating import FILTERS
from thidua.web import sessions
from thidua.web.access import PRE_COOKIE, SESSION_COOKIE
from thidua.web.i18n import LANG_COOKIE, language_of, translator
from thidua.web.sessions import Signed


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("thidua.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.filters["local_time"] = localtime.clock  # dd/mm/yyyy hh:mm, local zone
    return env


def root_path(request: Request) -> str:
    # Inside the static files' mount, root_path has /static appended (an error page there
    # would link /static/static/site.css); app_root_path is the app's own, kept by Starlette.
    scope = request.scope
    return str(scope.get("app_root_path", scope.get("root_path", ""))).rstrip("/")


def here(request: Request) -> str:
    """This page's path within the app, for links back to it (the language switch). Leading
    slashes are one: a page asked for as /%2F%2Fevil.example (a 404) must not link to
    ///evil.example, which a browser reads as another site."""
    return "/" + request.url.path.removeprefix(root_path(request)).lstrip("/\\")


def url(request: Request, path: str) -> str:
    """`path` (absolute within the app, "/campaigns/3") as the browser must ask for it."""
    return root_path(request) + path


def set_cookie(response: Any, request: Request, name: str, value: str, **kw: Any) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=get_settings().web_secure_cookies,
        path=root_path(request) or "/",
        **kw,
    )


def page(
    request: Request,
    template: str,
    *,
    db: Session | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render `template` for this request. Give `db` on a signed-in page so the flash message
    left by the previous request is shown (and cleared)."""
    lang = language_of(request)
    signed: Signed | None = getattr(request.state, "signed", None)
    pre = request.cookies.get(PRE_COOKIE)
    new_pre = None
    if signed is not None:
        csrf = signed.csrf
    else:
        token = request.cookies.get(SESSION_COOKIE) or pre
        if token is None:
            token = new_pre = secrets.token_urlsafe(32)
        csrf = sessions.csrf_for(token)
    flash = sessions.take_flash(db, signed.session_id) if db is not None and signed else None
    html = (
        environment()
        .get_template(template)
        .render(
            t=translator(lang),
            lang=lang,
            me=signed.actor if signed else None,
            who=(signed.by_name or signed.name) if signed else "",
            # Acting for someone under a delegation: shown on every page (web/acting.py).
            acting=getattr(request.state, "acting_for", "") if signed else "",
            csrf=csrf,
            flash=flash,
            url=lambda path: url(request, path),
            here=here(request),
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status)
    if new_pre is not None:
        set_cookie(response, request, PRE_COOKIE, new_pre)
    if request.query_params.get("lang") == lang:
        set_cookie(response, request, LANG_COOKIE, lang, max_age=365 * 24 * 3600)
    return response


def redirect(request: Request, path: str) -> RedirectResponse:
    """303 See Other to `path` within the app (after a POST the browser GETs it)."""
    return RedirectResponse(url(request, path), status_code=303)


def safe_next(value: str | None) -> str:
    """A redirect target from a query or form: only a path inside the app (no other site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value
