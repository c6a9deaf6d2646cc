"""Mijn taken: the inbox with filters and pages, taking up a task and giving it back.

The page is the API's inbox query (``api.reads.inbox_page``): the same filters, the same keyset
pages. A page's address carries the cursor it starts at (``na``) and those of the pages before it
(``eerder``), so that "Vorige" needs no count of the whole inbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.problems import Problem
from api.queries import TaskFilter as InboxFilter
from api.schemas import TaskPublic
from api.web import service
from api.web.dutch import PHASE, dagen_tot
from api.web.pages import engine_of, redirect, render, temporal_of, with_message
from api.web.session import CsrfChecked, WebUser
from domain.case import Actor
from domain.errors import CaseRuleViolation
from domain.phases import TASK_LABEL
from domain.roles import Role
from domain.rules.claims import TaskFacts, check_may_claim, check_may_release

router = APIRouter(prefix="/app", include_in_schema=False)
PAGE_SIZE = 25
MAX_BACK = 40  # pages one can step back through; further back is "Eerste pagina"
CURSOR = Query(max_length=500)


@dataclass(frozen=True)
class TaskFilter:
    phase: str = ""
    unit: str = ""
    task_type: str = ""
    binnen: int | None = None
    te_laat: bool = False
    alleen_mijn: bool = False

    def inbox_filter(self) -> InboxFilter:
        """The API's filter: the same query the API's ``GET /tasks`` runs."""
        return InboxFilter(
            phase=self.phase or None,
            unit=self.unit or None,
            task_type=self.task_type or None,
            due_within_days=self.binnen,
            overdue=True if self.te_laat else None,
            assigned_to_me=True if self.alleen_mijn else None,
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


def page_url(flt: TaskFilter, cursor: str | None, before: list[str], number: int = 1) -> str:
    """The address of page ``number``, which starts at ``cursor``; ``before`` holds the cursors
    of the pages before it (the first page's is empty), the last MAX_BACK of them."""
    parts = [flt.query(), urlencode({"na": cursor} if cursor else {})]
    parts.append(urlencode([("eerder", c) for c in before[-MAX_BACK:]]))
    parts.append(f"pagina={number}" if number > 1 else "")
    query = "&".join(p for p in parts if p)
    return "/app/taken" + (f"?{query}" if query else "")


def may_claim(user: Actor, task: TaskPublic) -> bool:
    """The workflow's own rule (domain.rules.claims), asked before offering the button. An
    inbox row is the user's or nobody's, and hidden assignees would show the user if it were
    theirs: hidden means nobody's."""
    try:
        check_may_claim(TaskFacts.of(task), user)
    except CaseRuleViolation:
        return False
    return True


def may_release(user: Actor, task: TaskPublic, reassign_roles: list[Role]) -> bool:
    try:
        check_may_release(TaskFacts.of(task), user, reassign_roles)
    except CaseRuleViolation:
        return False
    return True


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
    na: Annotated[str, CURSOR] = "",
    eerder: Annotated[list[str] | None, Query()] = None,
    pagina: Annotated[int, Query(ge=1, le=100_000)] = 1,
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
    before = list(eerder or [])
    engine = engine_of(request)
    try:
        page = await service.inbox_page(
            engine, user, flt.inbox_filter(), cursor=na or None, page_size=PAGE_SIZE
        )
    except Problem:  # a cursor that is not ours (an edited address): the first page
        na, before, pagina = "", [], 1
        melding = "Die pagina bestaat niet; u ziet de eerste pagina."
        page = await service.inbox_page(
            engine, user, flt.inbox_filter(), cursor=None, page_size=PAGE_SIZE
        )
    pagina = pagina if na else 1
    here = page_url(flt, na or None, before, pagina)
    reassign_roles = request.app.state.policy.reassign_roles
    return render(
        request,
        "taken.html",
        user=user,
        title="Mijn taken",
        tasks=page.items,
        number=pagina,
        first_shown=(pagina - 1) * PAGE_SIZE + 1,
        here=here,
        first=page_url(flt, None, []) if na else None,
        previous=page_url(flt, before[-1] or None, before[:-1], pagina - 1) if before else None,
        following=page_url(flt, page.next_cursor, [*before, na], pagina + 1)
        if page.next_cursor
        else None,
        flt=flt,
        now=service.now(),
        dagen_tot=dagen_tot,
        claimable={t.task_id for t in page.items if may_claim(user, t)},
        releasable={t.task_id for t in page.items if may_release(user, t, reassign_roles)},
        phases=PHASE,
        task_types=TASK_LABEL,
        melding=melding,
    )


def _back(terug: str) -> str:
    return terug if terug.startswith("/app/") else "/app/taken"


@router.post("/taken/{task_id}/oppakken", dependencies=[CsrfChecked])
async def claim(
    request: Request, task_id: str, user: WebUser, terug: Annotated[str, Form()] = ""
) -> Response:
    """Take a task up from the shared inbox of its role: a Claim Update of the workflow."""
    try:
        await service.claim(engine_of(request), await temporal_of(request), user, task_id)
    except Problem as problem:
        return redirect(with_message(_back(terug), f"Niet opgepakt: {problem.detail}"))
    return redirect(with_message(_back(terug), "U hebt de taak opgepakt; die is nu van u."))


@router.post("/taken/{task_id}/vrijgeven", dependencies=[CsrfChecked])
async def release(
    request: Request, task_id: str, user: WebUser, terug: Annotated[str, Form()] = ""
) -> Response:
    """Give a claimed task back to the shared inbox of its role."""
    try:
        await service.release(
            engine_of(request),
            await temporal_of(request),
            user,
            task_id,
            roles=request.app.state.policy.reassign_roles,
        )
    except Problem as problem:
        return redirect(with_message(_back(terug), f"Niet vrijgegeven: {problem.detail}"))
    return redirect(
        with_message(_back(terug), "De taak is vrijgegeven; iedereen met de rol kan haar oppakken.")
    )
