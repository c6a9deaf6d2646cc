"""Signing in and out: the local directory on the embedded default, OpenID Connect otherwise."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from api.web import oidc
from api.web.pages import engine_of, redirect, render
from api.web.session import CsrfChecked, end_session, read_session, start_session
from domain.case import Actor
from sg989.settings import Settings
from store.directory import active_people, get_person

router = APIRouter(prefix="/app", include_in_schema=False)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("", name="web_home")
def home(request: Request) -> Response:
    try:
        signed_in = read_session(request) is not None
    except Exception:
        signed_in = False
    return redirect("/app/taken" if signed_in else "/app/aanmelden")


@router.get("/aanmelden", name="sign_in_page")
def sign_in_page(request: Request, reden: str = "") -> HTMLResponse:
    settings = _settings(request)
    with Session(engine_of(request)) as session:
        people = [] if oidc.oidc_enabled(settings) else active_people(session)
    return render(
        request,
        "aanmelden.html",
        user=None,
        oidc=oidc.oidc_enabled(settings),
        people=people,
        reden=reden,
        title="Aanmelden",
    )


@router.post("/aanmelden", dependencies=[CsrfChecked])
def sign_in_local(request: Request, sub: Annotated[str, Form()] = "") -> Response:
    """Embedded default only: sign in as a person of the local directory."""
    settings = _settings(request)
    if oidc.oidc_enabled(settings):
        return render(
            request,
            "fout.html",
            status=403,
            title="Aanmelden geweigerd",
            message="Aanmelden via de lijst van personen kan niet: deze installatie gebruikt "
            "OpenID Connect. Meld u aan via de identity provider.",
        )
    with Session(engine_of(request)) as session:
        person = get_person(session, sub) if sub else None
    if person is None or not person.active:
        return redirect("/app/aanmelden?reden=Kies+een+actieve+persoon+uit+de+lijst.")
    actor = Actor(sub=person.sub, name=person.name, roles=person.roles, units=person.units)  # type: ignore[arg-type]
    response = redirect("/app/taken")
    start_session(request, response, actor)
    return response


@router.get("/oidc/aanmelden", name="oidc_sign_in")
async def oidc_sign_in(request: Request) -> Response:
    settings = _settings(request)
    if not oidc.oidc_enabled(settings):
        return redirect("/app/aanmelden")
    try:
        url, flow = await oidc.authorization_redirect(request, settings)
    except oidc.OidcFailed as exc:
        return render(request, "fout.html", status=503, title="Aanmelden mislukt", message=str(exc))
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        oidc.FLOW_COOKIE,
        flow,
        max_age=oidc.FLOW_SECONDS,
        httponly=True,
        samesite="lax",
        secure=settings.web_secure_cookies,
        path="/app/oidc",
    )
    return response


@router.get("/oidc/terug", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    settings = _settings(request)
    try:
        actor = await oidc.finish_sign_in(request, settings, request.cookies.get(oidc.FLOW_COOKIE))
    except oidc.OidcFailed as exc:
        return render(request, "fout.html", status=403, title="Aanmelden mislukt", message=str(exc))
    response = redirect("/app/taken")
    response.delete_cookie(oidc.FLOW_COOKIE, path="/app/oidc")
    start_session(request, response, actor)
    return response


@router.post("/afmelden", dependencies=[CsrfChecked])
def sign_out(request: Request) -> Response:
    response = redirect("/app/aanmelden?reden=U+bent+afgemeld.")
    end_session(response)
    return response
