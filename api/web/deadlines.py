"""Termijnen: every running clock of every case the user may read, as the Zaak page shows them.

A case's clocks are its open tasks (onderzoek, zienswijze, bezwaartermijn, beslissing op bezwaar,
terugkoppeling, schorsing review, nazorg check-ins...), whoever's role they belong to. Which
cases: the need-to-know of the case page (``api.queries``: scope and need-to-know in SQL,
``api.redaction.viewing_role`` for the view), never a case the user is a party to.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import exists, not_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from api.queries import in_scope, need_to_know
from api.reads import task_public
from api.redaction import viewing_role
from api.schemas import TaskPublic
from domain.case import Actor
from domain.roles import Role
from store.models import Case, CaseParty, Task

# Enough for any one person's calendar; a page that lists more says so.
MOST = 500
# Roles that read a case only through a task of theirs in it (api.redaction._takes_part).
BROUGHT_IN = frozenset({Role.onderzoeker, Role.hac, Role.nazorg})


def _tasks_of(session: Session, case_ids: list[str]) -> dict[str, list[Task]]:
    """Every task of the cases: what decides whether a role brought in for one step reads them."""
    found: dict[str, list[Task]] = defaultdict(list)
    for task in session.exec(select(Task).where(col(Task.case_id).in_(case_ids))).all():
        found[task.case_id].append(task)
    return found


def running_clocks(
    session: Session, user: Actor, *, now: datetime, until: datetime
) -> tuple[list[TaskPublic], bool]:
    """Open tasks of readable cases due before ``until`` (overdue ones included), earliest
    first, redacted for the role the user reads each case as; and whether there were more."""
    clock: Any = aliased(Task)  # the outer task; need_to_know's subqueries look at all tasks
    c: Any = Case
    rows = session.exec(
        select(clock, c.unit)
        .join(Case, c.case_id == clock.case_id)
        .where(
            clock.status == "open",
            clock.due_at <= until,
            c.status == "open",
            c.imported == False,  # noqa: E712  (SQL)
            in_scope(c.unit, user.units),
            need_to_know(user),
            not_(
                exists().where(col(CaseParty.case_id) == c.case_id, col(CaseParty.sub) == user.sub)
            ),
        )
        .order_by(clock.due_at, clock.task_id)
        .limit(MOST + 1)
    ).all()
    more, rows = len(rows) > MOST, rows[:MOST]
    units = {task.case_id: unit for task, unit in rows}
    tasks = _tasks_of(session, list(units)) if BROUGHT_IN & set(user.roles) else {}
    roles = {
        case_id: viewing_role(user, Case.model_construct(unit=unit), tasks.get(case_id, []))
        for case_id, unit in units.items()
    }
    shown = [
        task_public(task, role, now, viewer=user.sub)
        for task, _ in rows
        if (role := roles[task.case_id]) is not None
    ]
    return shown, more
