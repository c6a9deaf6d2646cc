"""Reads from the store, shaped by need-to-know; every read of a case enters its access log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlmodel import Session, select

from api.problems import Problem
from api.queries import (
    CaseFilter,
    TaskFilter,
    case_rows,
    count_cases,
    decode_cursor,
    encode_cursor,
    inbox_rows,
)
from api.redaction import hidden_fields, is_case_adviser, may_see, viewing_role
from api.schemas import BetrokkenePublic, CasePage, CasePublic, TaskPage, TaskPublic
from domain.case import Actor
from domain.roles import Role
from store.db import as_utc
from store.models import AccessLog, Betrokkene, Case, MeasureDecision, Task
from store.parties import is_party

__all__ = ["CaseFilter", "TaskFilter", "inbox", "inbox_page", "list_cases"]


def now_utc() -> datetime:
    return datetime.now(UTC)


def task_public(
    task: Task, role: Role | None, now: datetime, *, viewer: str | None = None
) -> TaskPublic:
    due = as_utc(task.due_at)
    assignees_ok = role is None or may_see(role, "assignees")
    assignees: list[str] | None = list(task.assignees)
    if not assignees_ok:  # without need-to-know one learns only that the task is one's own
        assignees = [viewer] if viewer in task.assignees else None
    return TaskPublic(
        task_id=task.task_id,
        case_id=task.case_id,
        task_type=task.task_type,  # type: ignore[arg-type]
        label=task.label,
        role=task.role,  # type: ignore[arg-type]
        unit=task.unit,
        phase=task.phase,  # type: ignore[arg-type]
        status=task.status,
        betrokkene=task.betrokkene if role is None or may_see(role, "betrokkene_refs") else None,
        assignees=assignees,
        opened_at=as_utc(task.opened_at),
        due_at=due,
        basis=task.basis,
        extensions=task.extensions,
        escalation_level=task.escalation_level,
        overdue=task.status == "open" and due is not None and due < now,
        escalated=task.escalation_level > 0,
        claimed_by=task.claimed_by if assignees_ok or task.claimed_by == viewer else None,
    )


def case_tasks(session: Session, case_id: str) -> list[Task]:
    return list(session.exec(select(Task).where(Task.case_id == case_id)).all())


def record_access(session: Session, *, case_id: str, user: Actor, role: Role, action: str) -> None:
    session.add(
        AccessLog(case_id=case_id, sub=user.sub, role=role.value, action=action, at=now_utc())
    )
    session.commit()


def visible_case(session: Session, user: Actor, case_id: str) -> tuple[Case, list[Task], Role]:
    """The case with its tasks and the role the user reads it as; 404 when outside their scope."""
    case = session.get(Case, case_id)
    tasks = case_tasks(session, case_id) if case else []
    role = viewing_role(user, case, tasks) if case else None
    if case is None or role is None or is_party(session, case_id, user.sub):
        raise Problem(404, f"no case {case_id} within your units and roles")
    return case, tasks, role


Parts = tuple[list[Betrokkene], list[MeasureDecision]]


def _parts(session: Session, case_ids: list[str]) -> dict[str, Parts]:
    """Betrokkenen and measure decisions of many cases in two queries."""
    found: dict[str, Parts] = {case_id: ([], []) for case_id in case_ids}
    if case_ids:
        rows = session.exec(
            select(Betrokkene)
            .where(Betrokkene.case_id.in_(case_ids))  # type: ignore[attr-defined]
            .order_by(Betrokkene.id)  # type: ignore[arg-type]
        ).all()
        for row in rows:
            found[row.case_id][0].append(row)
        decisions = session.exec(
            select(MeasureDecision).where(MeasureDecision.case_id.in_(case_ids))  # type: ignore[attr-defined]
        ).all()
        for decision in decisions:
            found[decision.case_id][1].append(decision)
    return found


def _betrokkenen(
    session: Session, case_id: str, role: Role, parts: Parts | None = None
) -> list[BetrokkenePublic] | None:
    refs_ok, measures_ok = may_see(role, "betrokkene_refs"), may_see(role, "maatregelen")
    if not (refs_ok or measures_ok):
        return None
    rows, decisions = parts if parts is not None else _parts(session, [case_id])[case_id]
    shown = []
    for n, row in enumerate(rows, start=1):
        measures = sorted(d.measure for d in decisions if d.betrokkene_ref == row.ref)
        shown.append(
            BetrokkenePublic(
                ref=row.ref if refs_ok else f"betrokkene {n}",
                in_onderzoek=row.in_onderzoek,
                schending=row.schending if measures_ok else None,
                maatregelen=measures if measures_ok else None,
                bezwaar=row.bezwaar if measures_ok else None,
                geschorst=row.geschorst,
            )
        )
    return shown


def case_public(
    session: Session,
    case: Case,
    tasks: Sequence[Task],
    role: Role,
    now: datetime,
    *,
    user: Actor,
    parts: Parts | None = None,
) -> CasePublic:
    open_tasks = sorted(
        (task_public(t, role, now, viewer=user.sub) for t in tasks if t.status == "open"),
        key=lambda t: t.due_at or now,
    )
    case_adviser = is_case_adviser(user, tasks)
    sensitive = {
        field: getattr(case, field) if may_see(role, field) else None
        for field in (
            "description", "category_toelichting", "melder_contact", "close_reason",
            "klacht_referentie", "weging", "schending_vastgesteld",
        )
    }  # fmt: skip
    if not case_adviser:  # another adviser of the DO: the melder's identity is not theirs to see
        sensitive["melder_contact"] = None
    return CasePublic(
        case_id=case.case_id,
        do=case.do,
        unit=case.unit,
        category=case.category,
        channel=case.channel,
        melder_type=case.melder_type,
        variant=case.variant,
        phase=case.phase,
        status=case.status,
        outcome=case.outcome,
        registered_at=as_utc(case.registered_at),
        updated_at=as_utc(case.updated_at),
        visible_as=role,
        hidden_fields=hidden_fields(role, case_adviser=case_adviser),
        betrokkenen=_betrokkenen(session, case.case_id, role, parts),
        open_tasks=open_tasks,
        next_due_at=open_tasks[0].due_at if open_tasks else None,
        overdue=any(t.overdue for t in open_tasks),
        **sensitive,
    )


def _tasks_by_case(session: Session, case_ids: list[str]) -> dict[str, list[Task]]:
    """All tasks of the given cases in one query (no query per case)."""
    grouped: dict[str, list[Task]] = {case_id: [] for case_id in case_ids}
    if case_ids:
        query = select(Task).where(Task.case_id.in_(case_ids))  # type: ignore[attr-defined]
        for task in session.exec(query).all():
            grouped[task.case_id].append(task)
    return grouped


def list_cases(
    session: Session,
    user: Actor,
    flt: CaseFilter,
    *,
    page: int = 1,
    page_size: int = 50,
    cursor: str | None = None,
    count: bool = True,
) -> CasePage:
    """Cases the user may read, newest first. Scope, need-to-know, filters, order and the page
    are one SQL query; the full view is built only for the page. ``cursor`` (from the previous
    page's ``next_cursor``) pages by keyset and stays fast at any depth; ``page`` by offset."""
    now = now_utc()
    after = decode_cursor(cursor, "case") if cursor else None
    offset = 0 if after else (page - 1) * page_size
    cases = case_rows(session, user, flt, now=now, after=after, offset=offset, limit=page_size + 1)
    more, cases = len(cases) > page_size, cases[:page_size]
    case_ids = [case.case_id for case in cases]
    tasks, parts = _tasks_by_case(session, case_ids), _parts(session, case_ids)
    items = []
    for case in cases:
        role = viewing_role(user, case, tasks[case.case_id])
        if role is not None:  # the query already applied need-to-know; this picks the view
            items.append(
                case_public(
                    session,
                    case,
                    tasks[case.case_id],
                    role,
                    now,
                    user=user,
                    parts=parts[case.case_id],
                )
            )
    if items:  # one statement for the page: constructing ORM rows costs more than the read
        session.execute(
            insert(AccessLog),
            [
                {"case_id": i.case_id, "sub": user.sub, "role": i.visible_as.value,
                 "action": "list", "at": now}
                for i in items
            ],
        )  # fmt: skip
        session.commit()
    last = cases[-1] if more else None
    return CasePage(
        items=items,
        total=count_cases(session, user, flt, now=now) if count else None,
        page=page,
        page_size=page_size,
        next_cursor=encode_cursor("case", as_utc(last.registered_at), last.case_id)
        if last
        else None,
    )


def inbox_page(
    session: Session,
    user: Actor,
    flt: TaskFilter | None = None,
    *,
    cursor: str | None = None,
    page_size: int = 50,
) -> TaskPage:
    """Open tasks for the user's roles within their units, assigned to them or to nobody yet,
    earliest deadline first; one SQL query per page, keyset-paginated by (due_at, task_id)."""
    now = now_utc()
    after = decode_cursor(cursor, "task") if cursor else None
    rows = inbox_rows(session, user, flt or TaskFilter(), now=now, after=after, limit=page_size + 1)
    more, rows = len(rows) > page_size, rows[:page_size]
    last = rows[-1] if more else None
    return TaskPage(
        items=[task_public(t, Role(t.role), now, viewer=user.sub) for t in rows],
        page_size=page_size,
        next_cursor=encode_cursor("task", as_utc(last.due_at), last.task_id) if last else None,
    )


def inbox(session: Session, user: Actor, flt: TaskFilter | None = None) -> list[TaskPublic]:
    """The whole inbox, unpaginated (kept for callers of the first version; prefer inbox_page)."""
    now = now_utc()
    rows = inbox_rows(session, user, flt or TaskFilter(), now=now, after=None, limit=None)
    return [task_public(t, Role(t.role), now) for t in rows]
