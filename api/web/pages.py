"""Rendering pages: one Jinja2 environment, the person, the navigation and the CSRF token."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api.problems import Problem
from api.web import dutch
from api.web.session import CSRF_FIELD, csrf_token, read_session, set_csrf_cookie
from domain.case import Actor
from domain.roles import Role

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters.update(dutch.FILTERS)

REGISTRARS = {Role.commandant, Role.coid_adviseur}
AUDIT_ROLES = {Role.auditor, Role.beheerder}
REPORT_ROLES = {Role.auditor, Role.beheerder, Role.commandant, Role.coid_adviseur}


def navigation(user: Actor | None) -> list[tuple[str, str]]:
    if user is None:
        return []
    roles = set(user.roles)
    items = [("/app/taken", "Mijn taken"), ("/app/termijnen", "Termijnen")]
    if roles & REGISTRARS:
        items.append(("/app/meldingen/nieuw", "Nieuwe melding"))
    if roles & AUDIT_ROLES:
        items.append(("/app/audit", "Audit"))
    if roles & REPORT_ROLES:
        items.append(("/app/rapportage", "Rapportage"))
    return items


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    user = context.pop("user", None)
    if user is None:
        try:
            user = read_session(request)
        except Exception:  # an expired session: the page shows as signed out
            user = None
    response = templates.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "nav": navigation(user),
            "path": request.url.path,
            "csrf_field": CSRF_FIELD,
            "csrf": csrf_token(request),
            "roles_text": ", ".join(dutch.role(r) for r in user.roles) if user else "",
            **context,
        },
        status_code=status,
    )
    set_csrf_cookie(request, response)
    response.headers["Cache-Control"] = "no-store"
    return response


def refused(request: Request, user: Actor, allowed: set[Role], message: str) -> HTMLResponse | None:
    """The 403 page for a person holding none of the allowed roles; None lets the page through."""
    if set(user.roles) & allowed:
        return None
    return render(
        request, "fout.html", status=403, user=user, title="Geen toegang", message=message
    )


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def temporal_of(request: Request) -> Client:
    try:
        client: Client = await request.app.state.client_provider()
    except Exception as exc:
        raise Problem(503, f"de workflow-engine (Temporal) is niet bereikbaar: {exc}") from None
    return client


def problem_text(problem: Problem) -> str:
    return problem.detail


def with_message(url: str, text: str) -> str:
    """``url`` with a message the next page shows (after a redirect)."""
    return f"{url}{'&' if '?' in url else '?'}melding={quote(text)}"
