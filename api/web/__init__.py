"""The server-rendered web app (Dutch) and offline API docs, on the API's own FastAPI process.

`install_web(app)` is the one line api/main.py needs. Everything a browser loads (CSS, JS,
Swagger UI) is served from this package: nothing comes from a CDN.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from api.problems import Problem
from api.web import (
    routes_audit,
    routes_auth,
    routes_case,
    routes_melding,
    routes_rapportage,
    routes_taskform,
    routes_tasks,
    routes_termijnen,
)
from api.web.pages import redirect, render
from api.web.session import CsrfRejected, SignInRequired

STATIC = Path(__file__).parent / "static"
ROUTERS = (
    routes_auth, routes_tasks, routes_taskform, routes_case, routes_melding, routes_termijnen,
    routes_audit, routes_rapportage,
)  # fmt: skip
CDN_DOCS = {"/docs", "/redoc"}


def _offline_docs(app: FastAPI) -> None:
    """Swagger UI from the vendored swagger-ui-dist instead of FastAPI's CDN default."""
    app.router.routes[:] = [
        r for r in app.router.routes if not (isinstance(r, Route) and r.path in CDN_DOCS)
    ]

    async def docs(_: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API docs",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
            oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
            swagger_ui_parameters={"validatorUrl": None},
        )

    app.add_route("/docs", docs, include_in_schema=False)


def _install_handlers(app: FastAPI) -> None:
    api_problem = app.exception_handlers.get(Problem)

    async def sign_in(request: Request, exc: Exception) -> Response:
        reason = getattr(exc, "reason", "")
        return redirect("/app/aanmelden" + (f"?reden={reason}" if reason else ""))

    async def csrf(request: Request, _: Exception) -> Response:
        return render(
            request,
            "fout.html",
            status=403,
            title="Formulier geweigerd",
            message="Dit formulier is verlopen of kwam niet van deze site. Laad de pagina "
            "opnieuw en probeer het nog eens.",
        )

    async def problem(request: Request, exc: Exception) -> Response:
        """On the web app's pages a problem is a page in Dutch; on the API it stays JSON."""
        if not request.url.path.startswith("/app") and api_problem is not None:
            return await api_problem(request, exc)  # type: ignore[misc,no-any-return]
        assert isinstance(exc, Problem)
        titles = {404: "Niet gevonden", 403: "Geen toegang", 503: "Even niet beschikbaar"}
        return render(
            request,
            "fout.html",
            status=exc.status,
            title=titles.get(exc.status, "Dat lukte niet"),
            message=exc.detail,
        )

    def on_pages(exc_type: type[Exception], title: str) -> None:
        """What FastAPI answers itself (404, 405, a bad query): a page on /app, JSON elsewhere."""
        api_handler = app.exception_handlers.get(exc_type)

        async def handle(request: Request, exc: Exception) -> Response:
            if not request.url.path.startswith("/app") and api_handler is not None:
                return await api_handler(request, exc)  # type: ignore[misc,no-any-return]
            status = getattr(exc, "status_code", 422)
            return render(
                request,
                "fout.html",
                status=status,
                title="Niet gevonden" if status == 404 else title,
                message="Deze pagina bestaat niet."
                if status == 404
                else "Het adres of formulier klopt niet. Ga terug en probeer het opnieuw.",
            )

        app.add_exception_handler(exc_type, handle)

    on_pages(StarletteHTTPException, "Dat lukte niet")
    on_pages(RequestValidationError, "Ongeldige invoer")
    app.add_exception_handler(SignInRequired, sign_in)
    app.add_exception_handler(CsrfRejected, csrf)
    app.add_exception_handler(Problem, problem)


def install_web(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in ROUTERS:
        app.include_router(module.router)
    _offline_docs(app)
    _install_handlers(app)
