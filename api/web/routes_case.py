"""Zaak: status, the path through the lifecycle, running clocks, open tasks, the timeline;
and the two things done to a whole case: withdrawing the melding and recording a schorsing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.problems import Problem
from api.web import service
from api.web.dutch import FIELD, dagen_tot
from api.web.lifecycle_svg import lifecycle_svg
from api.web.pages import engine_of, redirect, render, temporal_of, with_message
from api.web.routes_taskform import form_fields
from api.web.session import CsrfChecked, WebUser
from domain.roles import Role

router = APIRouter(prefix="/app", include_in_schema=False)


@router.get("/zaken/{case_id}", name="case_page")
async def case_page(
    request: Request, case_id: str, user: WebUser, melding: str = ""
) -> HTMLResponse:
    engine = engine_of(request)
    case = await service.case(engine, user, case_id)
    timeline = await service.timeline(engine, user, case_id)
    visited = await service.phases_visited(engine, case_id)
    policy = request.app.state.policy
    roles = set(user.roles)
    mine = [t for t in case.open_tasks if t.role in roles]
    forms = {
        t.task_id: await form_fields(engine, t.task_type, t.unit, case, prefix=f"t{n}-")
        for n, t in enumerate(mine, start=1)
    }
    return render(
        request,
        "zaak.html",
        user=user,
        title=f"Zaak {case.case_id}",
        case=case,
        svg=lifecycle_svg(case.phase, visited, case.variant),
        timeline=timeline,
        now=service.now(),
        dagen_tot=dagen_tot,
        field_names=FIELD,
        my_task_ids={t.task_id for t in mine},
        my_tasks=mine,
        forms=forms,
        may_withdraw=case.status == "open" and bool(roles & set(policy.withdraw_roles)),
        may_schorsen=case.status == "open" and Role.commandant in roles and bool(case.betrokkenen),
        melding=melding,
    )


@router.post("/zaken/{case_id}/intrekken", dependencies=[CsrfChecked])
async def withdraw(
    request: Request, case_id: str, user: WebUser, reden: Annotated[str, Form()] = ""
) -> Response:
    back = f"/app/zaken/{case_id}"
    if not reden.strip():
        return redirect(with_message(back, "Niet ingetrokken: vul de reden in."))
    try:
        await service.withdraw(
            engine_of(request),
            await temporal_of(request),
            user,
            case_id,
            roles=request.app.state.policy.withdraw_roles,
            reason=reden.strip(),
        )
    except Problem as problem:
        return redirect(with_message(back, f"Niet ingetrokken: {problem.detail}"))
    return redirect(with_message(back, "De melding is ingetrokken; de zaak is gesloten."))


@router.post("/zaken/{case_id}/schorsing", dependencies=[CsrfChecked])
async def schorsing(
    request: Request,
    case_id: str,
    user: WebUser,
    betrokkene: Annotated[str, Form()] = "",
    reden: Annotated[str, Form()] = "",
) -> Response:
    back = f"/app/zaken/{case_id}"
    if not reden.strip() or not betrokkene:
        return redirect(
            with_message(back, "Geen schorsing vastgelegd: kies de betrokkene en vul de reden in.")
        )
    try:
        await service.schorsing(
            engine_of(request),
            await temporal_of(request),
            user,
            case_id,
            betrokkene=betrokkene,
            reason=reden.strip(),
        )
    except Problem as problem:
        return redirect(with_message(back, f"Geen schorsing vastgelegd: {problem.detail}"))
    return redirect(with_message(back, f"Schorsing van {betrokkene} vastgelegd."))
