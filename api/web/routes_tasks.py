"""Mijn taken: the inbox with filters and pages, and taking up a task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.problems import Problem
from api.schemas import TaskPublic
from api.web import service
from api.web.dutch import PHASE, dagen_tot
from api.web.pages import engine_of, redirect, render, temporal_of, with_message
from api.web.session import CsrfChecked, WebUser
from domain.case import Actor
from domain.phases import TASK_LABEL
from domain.roles import Role

router = APIRouter(prefix="/app", include_in_schema=False)
PAGE_SIZE = 25
CLAIM_REASON = "Opgepakt via Mijn taken"


@dataclass(frozen=True)
class TaskFilter:
    phase: str = ""
    unit: str = ""
    task_type: str = ""
    binnen: int | None = None
    te_laat: bool = False
    alleen_mijn: bool = False

    def inbox_query(self, now: datetime) -> service.InboxQuery:
        return service.InboxQuery(
            phase=self.phase,
            unit=self.unit,
            task_type=self.task_type,
            due_before=None if self.binnen is None else now + timedelta(days=self.binnen),
            overdue=self.te_laat,
            only_mine=self.alleen_mijn,
        )

    def query(self) -> str:
        parts = {
            "fase": self.phase,
            "eenheid": self.unit,
            "taaktype": self.task_type,
            "binnen": "" if self.binnen is None else str(self.binnen),
            "te_laat": "1" if self.te_laat else "",
            "alleen_mijn": "1" if self.alleen_mijn else "",
        }
        return urlencode({k: v for k, v in parts.items() if v})


def may_claim(user: Actor, task: TaskPublic, reassign_roles: list[Role]) -> bool:
    return (
        task.role in user.roles
        and task.role in reassign_roles
        and user.sub not in (task.assignees or [])
    )


@router.get("/taken", name="my_tasks")
async def my_tasks(
    request: Request,
    user: WebUser,
    fase: str = "",
    eenheid: str = "",
    taaktype: str = "",
    binnen: Annotated[str, Query(max_length=4)] = "",
    te_laat: str = "",
    alleen_mijn: str = "",
    pagina: Annotated[int, Query(ge=1)] = 1,
    melding: str = "",
) -> HTMLResponse:
    flt = TaskFilter(
        phase=fase,
        unit=eenheid.strip(),
        task_type=taaktype,
        binnen=int(binnen) if binnen.isdigit() else None,
        te_laat=bool(te_laat),
        alleen_mijn=bool(alleen_mijn),
    )
    now = service.now()
    engine, query = engine_of(request), flt.inbox_query(now)
    shown, total = await service.inbox_page(engine, user, query, page=pagina, page_size=PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if pagina > pages:  # past the end (the inbox shrank): the last page
        pagina = pages
        shown, total = await service.inbox_page(
            engine, user, query, page=pages, page_size=PAGE_SIZE
        )
    reassign_roles = request.app.state.policy.reassign_roles
    return render(
        request,
        "taken.html",
        user=user,
        title="Mijn taken",
        tasks=shown,
        total=total,
        page=pagina,
        pages=pages,
        flt=flt,
        now=now,
        dagen_tot=dagen_tot,
        claimable={t.task_id for t in shown if may_claim(user, t, reassign_roles)},
        phases=PHASE,
        task_types=TASK_LABEL,
        melding=melding,
    )


@router.post("/taken/{task_id}/oppakken", dependencies=[CsrfChecked])
async def claim(
    request: Request, task_id: str, user: WebUser, terug: Annotated[str, Form()] = ""
) -> Response:
    """Take a task up: a reassignment to oneself, with the reason, through the workflow."""
    back = terug if terug.startswith("/app/") else "/app/taken"
    try:
        await service.reassign(
            engine_of(request),
            await temporal_of(request),
            user,
            task_id,
            roles=request.app.state.policy.reassign_roles,
            assignee=user.sub,
            reason=CLAIM_REASON,
        )
    except Problem as problem:
        return redirect(with_message(back, f"Niet opgepakt: {problem.detail}"))
    return redirect(with_message(back, "De taak is aan u toegewezen."))
