"""Rapportage: the annual tables with their charts, and the anonymised quarterly publication."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.web.pages import REPORT_ROLES, engine_of, refused, render
from api.web.session import WebUser
from domain.roles import Defensieonderdeel
from reports.annual import annual_report
from reports.facts import load_facts
from reports.publish import DEFAULT_MINIMUM, parse_quarter, publication
from reports.render import show
from reports.tables import Report

REPORTS_ONLY = "Rapportage is voor de auditor, de beheerder, de commandant en de COID-adviseur."
router = APIRouter(prefix="/app", include_in_schema=False)


@router.get("/rapportage", name="reports")
async def reports(
    request: Request,
    user: WebUser,
    jaar: Annotated[int | None, Query(ge=1900, le=2999)] = None,
    do: str = "",
    grafieken: str = "1",
) -> HTMLResponse:
    if denied := refused(request, user, REPORT_ROLES, REPORTS_ONLY):
        return denied
    now = datetime.now(UTC)
    year = jaar or now.year
    do_value = do if do in {d.value for d in Defensieonderdeel} else None

    def build():  # type: ignore[no-untyped-def]
        report = annual_report(load_facts(engine_of(request)), year, do_value, now)
        if do_value is None:  # Defensie-wide only; each DO on its own page
            report.sections = [s for s in report.sections if s.do is None]
        images = _charts(report) if grafieken == "1" else {}
        return report, {
            name: base64.b64encode(content).decode() for (name, _), content in images.items()
        }

    report, charts = await run_in_threadpool(build)
    return render(
        request,
        "rapportage.html",
        user=user,
        title="Rapportage",
        report=report,
        charts=charts,
        year=year,
        do=do_value or "",
        dos=[d.value for d in Defensieonderdeel],
        show=show,
    )


@router.get("/rapportage/kwartaal", name="quarterly")
async def quarterly(
    request: Request, user: WebUser, kwartaal: str = "", minimum: int = DEFAULT_MINIMUM
) -> HTMLResponse:
    if denied := refused(request, user, REPORT_ROLES, REPORTS_ONLY):
        return denied
    now = datetime.now(UTC)
    text = kwartaal or f"{now.year}Q{(now.month - 1) // 3 + 1}"
    try:
        quarter = parse_quarter(text)
    except ValueError as exc:
        return render(
            request, "kwartaal.html", status=422, user=user, title="Kwartaalpublicatie",
            fout=str(exc), kwartaal=text, pub=None, minimum=minimum,
        )  # fmt: skip
    pub = await run_in_threadpool(
        lambda: publication(load_facts(engine_of(request)), quarter, max(1, minimum))
    )
    return render(
        request,
        "kwartaal.html",
        user=user,
        title="Kwartaalpublicatie",
        pub=pub,
        kwartaal=quarter.label,
        minimum=minimum,
    )


def _charts(report: Report) -> dict[tuple[str, str], bytes]:
    """The report's charts as SVG; matplotlib is loaded on the first page that shows them, not
    by every process that serves the API."""
    from reports.plots import report_images

    return report_images(report, ("svg",))
