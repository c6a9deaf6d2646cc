"""Small builders of case state and transitions for the store tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from domain.case import Actor, BetrokkeneState, CaseState, Melding, TaskState
from domain.phases import TASK_LABEL, TASK_OWNER, Phase, TaskType
from domain.roles import Role
from domain.transition import AuditEventIn, Notification, Transition
from sg989.policy_files import load_policy
from store.db import session_scope
from store.projection import apply_transition

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make_task(
    n: int,
    task_type: TaskType = TaskType.intake_contact,
    *,
    case_id: str = "ZK-2026-0001",
    **kw: Any,
) -> TaskState:
    owner = TASK_OWNER[task_type]
    fields: dict[str, Any] = {
        "task_id": f"{case_id}-T{n}",
        "task_type": task_type,
        "phase": Phase.intake,
        "role": owner,
        "unit": "CLAS/11LMB",
        "label": TASK_LABEL[task_type],
        "assignees": ["adviseur-1"],
        "opened_at": T0,
        "due_at": T0 + timedelta(days=7),
        "reminder_at": T0 + timedelta(days=5),
        "basis": "JID-2021",
    }
    fields.update(kw)
    return TaskState(**fields)


def make_case(
    case_id: str = "ZK-2026-0001",
    *,
    phase: Phase = Phase.intake,
    tasks: list[TaskState] | None = None,
    betrokkenen: list[BetrokkeneState] | None = None,
    **kw: Any,
) -> CaseState:
    melding = Melding(
        unit="CLAS/11LMB",
        category="ongewenste_omgangsvormen",
        channel="coid",
        melder_type="medewerker",
        melder_contact="06-12345678",
        description="Herhaaldelijk intimiderend gedrag tijdens oefening",
        betrokkenen=[b.ref for b in betrokkenen or []],
    )
    registrar = Actor(
        sub="adviseur-1", name="A. Adviseur", roles=[Role.coid_adviseur], units=["CLAS"]
    )
    return CaseState(
        case_id=case_id,
        melding=melding,
        registered_by=registrar,
        policy=load_policy(),
        variant="standaard",
        registered_at=T0,
        phase=phase,
        tasks={t.task_id: t for t in tasks or []},
        betrokkenen={b.ref: b for b in betrokkenen or []},
        **kw,
    )


def make_transition(
    case: CaseState,
    seq: int,
    event_type: str = "melding_geregistreerd",
    *,
    at: datetime | None = None,
    details: dict[str, Any] | None = None,
    notifications: list[Notification] | None = None,
) -> Transition:
    event = AuditEventIn(
        event_type=event_type,
        occurred_at=at or T0 + timedelta(hours=seq),
        actor_sub="adviseur-1",
        actor_name="A. Adviseur",
        actor_role="coid_adviseur",
        details=details or {},
    )
    return Transition(
        case_id=case.case_id,
        seq=seq,
        event=event,
        case=case.model_copy(update={"seq": seq}),
        notifications=notifications or [],
    )


def apply(engine: Engine, transition: Transition) -> bool:
    with session_scope(engine) as session:
        return apply_transition(session, transition)


def row_counts(engine: Engine) -> dict[str, int]:
    counts = {}
    with session_scope(engine) as session:
        for name, table in SQLModel.metadata.tables.items():
            counts[name] = session.exec(select(func.count()).select_from(table)).one()
    return counts
