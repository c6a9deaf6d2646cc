"""Reads from the store, shaped by need-to-know; every read of a case enters its access log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from api.problems import Problem
from api.redaction import hidden_fields, is_case_adviser, may_see, viewing_role
from api.schemas import BetrokkenePublic, CasePage, CasePublic, TaskPublic
from domain.case import Actor
from domain.roles import Role, unit_in_scope
from store.db import as_utc
from store.models import AccessLog, Betrokkene, Case, MeasureDecision, Task
from store.parties import is_party


@dataclass(frozen=True)
class CaseFilter:
    phase: str | None = None
    unit: str | None = None
    category: str | None = None
    overdue: bool | None = None


def now_utc() -> datetime:
    return datetime.now(UTC)


def task_public(task: Task, role: Role | None, now: datetime) -> TaskPublic:
    due = as_utc(task.due_at)
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
        assignees=list(task.assignees) if role is None or may_see(role, "assignees") else None,
        opened_at=as_utc(task.opened_at),
        due_at=due,
        basis=task.basis,
        extensions=task.extensions,
        escalation_level=task.escalation_level,
        overdue=task.status == "open" and due is not None and due < now,
        escalated=task.escalation_level > 0,
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


def _betrokkenen(session: Session, case_id: str, role: Role) -> list[BetrokkenePublic] | None:
    refs_ok, measures_ok = may_see(role, "betrokkene_refs"), may_see(role, "maatregelen")
    if not (refs_ok or measures_ok):
        return None
    rows = session.exec(
        select(Betrokkene).where(Betrokkene.case_id == case_id).order_by(col(Betrokkene.id))
    ).all()
    decisions = session.exec(
        select(MeasureDecision).where(MeasureDecision.case_id == case_id)
    ).all()
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
    session: Session, case: Case, tasks: Sequence[Task], role: Role, now: datetime, *, user: Actor
) -> CasePublic:
    open_tasks = sorted(
        (task_public(t, role, now) for t in tasks if t.status == "open"),
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
        betrokkenen=_betrokkenen(session, case.case_id, role),
        open_tasks=open_tasks,
        next_due_at=open_tasks[0].due_at if open_tasks else None,
        overdue=any(t.overdue for t in open_tasks),
        **sensitive,
    )


def _scope_clause(units: list[str]):  # type: ignore[no-untyped-def]
    """SQL for unit_in_scope: the unit itself or any unit below it."""
    unit = func.lower(col(Case.unit))
    clauses = []
    for scope in units:
        s = scope.lower().rstrip("/")
        clauses += [unit == s, unit.startswith(s + "/")]
    return or_(*clauses) if clauses else col(Case.case_id).is_(None)


def _tasks_by_case(session: Session, case_ids: list[str]) -> dict[str, list[Task]]:
    """All tasks of the given cases in one query (no query per case)."""
    grouped: dict[str, list[Task]] = {case_id: [] for case_id in case_ids}
    if case_ids:
        for task in session.exec(select(Task).where(col(Task.case_id).in_(case_ids))).all():
            grouped[task.case_id].append(task)
    return grouped


def _is_overdue(tasks: Sequence[Task], now: datetime) -> bool:
    return any(
        t.status == "open" and (due := as_utc(t.due_at)) is not None and due < now for t in tasks
    )


def list_cases(
    session: Session, user: Actor, flt: CaseFilter, *, page: int, page_size: int
) -> CasePage:
    """Cases the user may read, newest first: scope in SQL, need-to-know per case, and the full
    view built only for the page asked for."""
    query = select(Case).where(_scope_clause(user.units), col(Case.imported).is_(False))
    if flt.unit:
        query = query.where(_scope_clause([flt.unit]))
    if flt.phase:
        query = query.where(Case.phase == flt.phase)
    if flt.category:
        query = query.where(Case.category == flt.category)
    cases = session.exec(query.order_by(col(Case.registered_at).desc())).all()
    tasks = _tasks_by_case(session, [case.case_id for case in cases])
    now = now_utc()
    readable: list[tuple[Case, Role]] = []
    for case in cases:
        role = viewing_role(user, case, tasks[case.case_id])
        if role is None:
            continue
        if flt.overdue is not None and _is_overdue(tasks[case.case_id], now) != flt.overdue:
            continue
        readable.append((case, role))
    start = (page - 1) * page_size
    items = [
        case_public(session, case, tasks[case.case_id], role, now, user=user)
        for case, role in readable[start : start + page_size]
    ]
    for item in items:
        session.add(
            AccessLog(
                case_id=item.case_id,
                sub=user.sub,
                role=item.visible_as.value,
                action="list",
                at=now,
            )
        )
    session.commit()
    return CasePage(items=items, total=len(readable), page=page, page_size=page_size)


def inbox(session: Session, user: Actor) -> list[TaskPublic]:
    """Open tasks for the user's roles within their units, assigned to them or to nobody yet."""
    rows = session.exec(
        select(Task).where(Task.status == "open", col(Task.role).in_([r.value for r in user.roles]))
    ).all()
    now = now_utc()
    mine = [
        t
        for t in rows
        if unit_in_scope(t.unit, user.units) and (not t.assignees or user.sub in t.assignees)
    ]
    return sorted((task_public(t, Role(t.role), now) for t in mine), key=lambda t: t.due_at or now)
