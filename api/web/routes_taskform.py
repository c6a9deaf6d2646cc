"""Taakformulier: the form of one task, generated from its payload schema; extend and reassign."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine

from api.problems import Problem
from api.schemas import CasePublic
from api.web import service
from api.web.dutch import TZ, dagen_tot
from api.web.forms import FormField, attach_errors, payload_from_form, task_form
from api.web.pages import engine_of, redirect, render, temporal_of, with_message
from api.web.session import CsrfChecked, WebUser
from domain.case import Actor
from domain.phases import TaskType
from domain.roles import Role
from store.models import Task

router = APIRouter(prefix="/app", include_in_schema=False)
PEOPLE_FIELDS = {"onderzoekers": Role.onderzoeker, "nazorg_medewerkers": Role.nazorg}
DEADLINE_HOUR = time(17, 0)


async def form_fields(
    engine: Engine, task_type: str, unit: str, case: CasePublic, prefix: str = ""
) -> list[FormField]:
    """The task's form, offering the case's betrokkenen and the people who hold a role."""
    choices: dict[str, list[str]] = {"betrokkenen": [b.ref for b in case.betrokkenen or []]}
    names: dict[str, str] = {}
    for name, role in PEOPLE_FIELDS.items():
        people = await service.people_for(engine, role=role, unit=unit)
        choices[name] = [p.sub for p in people]
        names.update({p.sub: f"{p.name} ({p.sub})" for p in people})
    return task_form(TaskType(task_type), choices, names, prefix)


async def _context(request: Request, user: Actor, task_id: str) -> dict[str, Any]:
    engine = engine_of(request)
    task = await service.task(engine, user, task_id)
    case = await service.case(engine, user, task.case_id)
    public = next((t for t in case.open_tasks if t.task_id == task_id), None)
    candidates = await service.people_for(engine, role=task.role, unit=task.unit)
    policy = request.app.state.policy
    roles = set(user.roles)
    return {
        "task": task,
        "public": public,
        "case": case,
        "fields": await form_fields(engine, task.task_type, task.unit, case),
        "may_complete": task.status == "open" and Role(task.role) in roles,
        "may_extend": task.status == "open" and bool(roles & set(policy.extend_roles)),
        "may_reassign": task.status == "open" and bool(roles & set(policy.reassign_roles)),
        "candidates": [p for p in candidates if p.sub not in task.assignees],
        "now": service.now(),
        "dagen_tot": dagen_tot,
    }


def _page(
    request: Request, user: Actor, ctx: dict[str, Any], status: int = 200, **extra: Any
) -> HTMLResponse:
    task: Task = ctx["task"]
    case: CasePublic = ctx["case"]
    return render(
        request,
        "taak.html",
        status=status,
        user=user,
        title=f"{task.label} — zaak {case.case_id}",
        **ctx,
        **extra,
    )


@router.get("/taken/{task_id}", name="task_page")
async def task_page(
    request: Request, task_id: str, user: WebUser, melding: str = ""
) -> HTMLResponse:
    return _page(request, user, await _context(request, user, task_id), melding=melding)


@router.post("/taken/{task_id}", dependencies=[CsrfChecked])
async def complete(request: Request, task_id: str, user: WebUser) -> Response:
    ctx = await _context(request, user, task_id)
    fields: list[FormField] = ctx["fields"]
    payload = payload_from_form(await request.form(), fields)
    try:
        await service.complete(
            engine_of(request), await temporal_of(request), user, task_id, payload
        )
    except Problem as problem:
        general = attach_errors(fields, problem.extra.get("errors", []))
        return _page(request, user, ctx, status=problem.status, fout=problem.detail, fouten=general)
    return redirect(with_message(f"/app/zaken/{ctx['task'].case_id}", "De taak is afgerond."))


@router.post("/taken/{task_id}/verlengen", dependencies=[CsrfChecked])
async def extend(
    request: Request,
    task_id: str,
    user: WebUser,
    nieuwe_datum: Annotated[str, Form()] = "",
    reden: Annotated[str, Form()] = "",
) -> Response:
    back = f"/app/taken/{task_id}"
    try:
        day = date.fromisoformat(nieuwe_datum)
    except ValueError:
        return redirect(with_message(back, "Niet verlengd: kies een nieuwe datum."))
    if not reden.strip():
        return redirect(with_message(back, "Niet verlengd: vul de reden in."))
    try:
        await service.extend(
            engine_of(request),
            await temporal_of(request),
            user,
            task_id,
            roles=request.app.state.policy.extend_roles,
            new_due_at=datetime.combine(day, DEADLINE_HOUR, tzinfo=TZ),
            reason=reden.strip(),
        )
    except Problem as problem:
        return redirect(with_message(back, f"Niet verlengd: {problem.detail}"))
    return redirect(with_message(back, f"De termijn is verlengd tot {day:%d-%m-%Y}."))


@router.post("/taken/{task_id}/overdragen", dependencies=[CsrfChecked])
async def reassign(
    request: Request,
    task_id: str,
    user: WebUser,
    persoon: Annotated[str, Form()] = "",
    reden: Annotated[str, Form()] = "",
) -> Response:
    back = f"/app/taken/{task_id}"
    if not persoon or not reden.strip():
        return redirect(
            with_message(back, "Niet overgedragen: kies een persoon en vul de reden in.")
        )
    engine = engine_of(request)
    task = await service.task(engine, user, task_id)
    holders = {p.sub for p in await service.people_for(engine, role=task.role, unit=task.unit)}
    if persoon not in holders:
        return redirect(
            with_message(
                back, "Niet overgedragen: die persoon heeft deze rol niet voor de eenheid."
            )
        )
    try:
        await service.reassign(
            engine,
            await temporal_of(request),
            user,
            task_id,
            roles=request.app.state.policy.reassign_roles,
            assignee=persoon,
            reason=reden.strip(),
        )
    except Problem as problem:
        return redirect(with_message(back, f"Niet overgedragen: {problem.detail}"))
    return redirect(with_message(back, "De taak is overgedragen."))
