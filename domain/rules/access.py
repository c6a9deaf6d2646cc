"""Who may touch a case at all: open case, unit scope, an open task, typed task payloads."""

from __future__ import annotations

from typing import TypeVar

from domain.case import Actor, CaseState, TaskState
from domain.errors import CaseRuleViolation, Rejection
from domain.payloads import Payload
from domain.phases import TaskType
from domain.roles import Role, unit_in_scope

P = TypeVar("P", bound=Payload)
NEGATIVE_WEGING = ("geen_onderzoek", "lichtere_middelen")


def reject(kind: Rejection, message: str) -> CaseRuleViolation:
    return CaseRuleViolation(kind, message)


def is_negative_weging(advies: str | None) -> bool:
    return advies in NEGATIVE_WEGING


def check_case_open(state: CaseState) -> None:
    check_not_closed(state)
    if state.closing is not None:
        raise reject(
            Rejection.conflict,
            f"case {state.case_id} is closing ({state.closing.outcome}): only the outcome "
            "feedback to the melder remains",
        )


def check_not_closed(state: CaseState) -> None:
    if state.status != "open":
        raise reject(
            Rejection.conflict,
            f"case {state.case_id} is closed ({state.outcome}); nothing can change any more",
        )


def check_not_a_party(state: CaseState, actor: Actor) -> None:
    """A person linked to the case as melder or betrokkene never acts on it, in any role."""
    if actor.sub in state.linked_parties:
        raise reject(
            Rejection.forbidden,
            f"you are a party to case {state.case_id} (conflict of interest): "
            "you cannot act on it in any role",
        )


def check_role(actor: Actor, roles: list[Role], action: str) -> Role:
    """The role among ``roles`` the actor acts in; the sentence says which role is missing."""
    held = [r for r in roles if r in actor.roles]
    if actor.acting_role is not None:
        held = [r for r in held if r == actor.acting_role]
    if not held:
        wanted = " or ".join(r.value for r in roles)
        raise reject(Rejection.forbidden, f"{action} needs the role {wanted}")
    return held[0]


def check_in_scope(state: CaseState, actor: Actor, roles: list[Role], action: str) -> Role:
    """The actor holds one of ``roles`` and the case's unit lies within their units."""
    role = check_role(actor, roles, action)
    if not unit_in_scope(state.melding.unit, actor.units):
        raise reject(
            Rejection.forbidden,
            f"case {state.case_id} belongs to unit {state.melding.unit}, "
            f"outside your units ({', '.join(actor.units) or 'none'})",
        )
    check_not_a_party(state, actor)
    return role


def open_task_for(state: CaseState, task_id: str) -> TaskState:
    check_not_closed(state)  # while closing, the outcome feedback task is still open
    task = state.tasks.get(task_id)
    if task is None:
        raise reject(Rejection.not_found, f"case {state.case_id} has no task {task_id}")
    if not task.is_open:
        when = task.completed_at.isoformat() if task.completed_at else "earlier"
        raise reject(
            Rejection.conflict,
            f"task {task_id} ({task.label}) is no longer open: it was {task.status} {when}",
        )
    return task


def done(state: CaseState, task_type: TaskType, betrokkene: str | None = None) -> list[TaskState]:
    """Completed tasks of a type (for one betrokkene where given), oldest first."""
    return [
        t
        for t in state.tasks.values()
        if t.task_type == task_type
        and t.status == "done"
        and (betrokkene is None or t.betrokkene == betrokkene)
    ]


def payload_of(task: TaskState, model: type[P]) -> P:
    """The typed payload a completed task recorded."""
    return model.model_validate(task.payload or {})


def last_payload(state: CaseState, task_type: TaskType, model: type[P]) -> P | None:
    tasks = done(state, task_type)
    return payload_of(tasks[-1], model) if tasks else None
