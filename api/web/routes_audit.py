"""Audit: per case the chain's verdict, the timeline without names, and the access log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.web import service
from api.web.pages import AUDIT_ROLES, engine_of, refused, render
from api.web.session import WebUser

router = APIRouter(prefix="/app", include_in_schema=False)
PAGE_SIZE = 25
AUDIT_ONLY = "De auditpagina's zijn voor de auditor en de beheerder."


@router.get("/audit", name="audit")
async def audit(
    request: Request, user: WebUser, pagina: Annotated[int, Query(ge=1)] = 1
) -> HTMLResponse:
    if denied := refused(request, user, AUDIT_ROLES, AUDIT_ONLY):
        return denied
    engine = engine_of(request)
    page = await service.cases(engine, user, page=pagina, page_size=PAGE_SIZE)
    verdicts = {c.case_id: await service.verify(engine, user, c.case_id) for c in page.items}
    return render(
        request,
        "audit.html",
        user=user,
        title="Audit",
        page=page,
        pages=max(1, -(-(page.total or 0) // PAGE_SIZE)),
        verdicts=verdicts,
    )


@router.get("/audit/{case_id}", name="audit_case")
async def audit_case(request: Request, case_id: str, user: WebUser) -> HTMLResponse:
    if denied := refused(request, user, AUDIT_ROLES, AUDIT_ONLY):
        return denied
    engine = engine_of(request)
    auditor = user.model_copy(update={"roles": [r for r in user.roles if r in AUDIT_ROLES]})
    case = await service.case(engine, auditor, case_id)
    return render(
        request,
        "audit_zaak.html",
        user=user,
        title=f"Audit van zaak {case_id}",
        case=case,
        verdict=await service.verify(engine, auditor, case_id),
        timeline=await service.timeline(engine, auditor, case_id),
        access=await service.access_log(engine, case_id),
    )
