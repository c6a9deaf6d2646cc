"""Checks behind the update validators: pure functions over the case state, no Temporal calls."""

from __future__ import annotations

from datetime import datetime

from domain.case import (
    Actor,
    CaseState,
    CompleteTask,
    ExtendTask,
    ReassignTask,
    RecordSchorsing,
    TaskState,
    WithdrawMelding,
)
from domain.errors import CaseRuleViolation, Rejection
from domain.payloads import BesluitInstelling, SchendingBeoordeling, parse_payload
from domain.roles import Role, unit_in_scope

NEGATIVE_WEGING = ("geen_onderzoek", "lichtere_middelen")


def _reject(kind: Rejection, message: str) -> CaseRuleViolation:
    return CaseRuleViolation(kind, message)


def check_case_open(state: CaseState) -> None:
    if state.status != "open":
        raise _reject(
            Rejection.conflict,
            f"case {state.case_id} is closed ({state.outcome}); nothing can change any more",
        )


def check_in_scope(state: CaseState, actor: Actor, roles: list[Role], action: str) -> Role:
    """The actor holds one of ``roles`` and the case's unit lies within their units."""
    held = [r for r in roles if r in actor.roles]
    if actor.acting_role is not None:
        held = [r for r in held if r == actor.acting_role]
    if not held:
        wanted = " or ".join(r.value for r in roles)
        raise _reject(Rejection.forbidden, f"{action} needs the role {wanted}")
    if not unit_in_scope(state.melding.unit, actor.units):
        raise _reject(
            Rejection.forbidden,
            f"case {state.case_id} belongs to unit {state.melding.unit}, "
            f"outside your units ({', '.join(actor.units) or 'none'})",
        )
    return held[0]


def open_task_for(state: CaseState, task_id: str) -> TaskState:
    check_case_open(state)
    task = state.tasks.get(task_id)
    if task is None:
        raise _reject(Rejection.not_found, f"case {state.case_id} has no task {task_id}")
    if not task.is_open:
        when = task.completed_at.isoformat() if task.completed_at else "earlier"
        raise _reject(
            Rejection.conflict,
            f"task {task_id} ({task.label}) is no longer open: it was {task.status} {when}",
        )
    return task


def check_complete(state: CaseState, req: CompleteTask) -> None:
    task = open_task_for(state, req.task_id)
    check_in_scope(state, req.actor, [task.role], f"task '{task.label}'")
    if task.assignees and req.actor.sub not in task.assignees:
        raise _reject(
            Rejection.forbidden,
            f"task {task.task_id} is assigned to {', '.join(task.assignees)}, not to you",
        )
    try:
        payload = parse_payload(task.task_type, req.payload)
    except ValueError as exc:
        raise _reject(Rejection.invalid, str(exc)) from None
    if isinstance(payload, BesluitInstelling):
        _check_beschikking(state, payload)
    if isinstance(payload, SchendingBeoordeling):
        _check_schending_covers_betrokkenen(state, payload)


def _check_beschikking(state: CaseState, besluit: BesluitInstelling) -> None:
    if besluit.besluit != "instellen":
        return
    if state.weging in NEGATIVE_WEGING:
        raise _reject(
            Rejection.conflict,
            f"no investigation can start: the weging advised '{state.weging}'",
        )
    unknown = sorted(set(besluit.betrokkenen) - set(state.betrokkenen))
    if unknown:
        raise _reject(
            Rejection.invalid,
            f"betrokkenen not registered in this case: {', '.join(unknown)}",
        )


def _check_schending_covers_betrokkenen(
    state: CaseState, beoordeling: SchendingBeoordeling
) -> None:
    expected = {b.ref for b in state.betrokkenen.values() if b.in_onderzoek}
    given = set(beoordeling.schending)
    if given != expected:
        raise _reject(
            Rejection.invalid,
            "schending must be decided for exactly the betrokkenen of the investigation: "
            f"{', '.join(sorted(expected))}",
        )


def check_extend(state: CaseState, req: ExtendTask, now: datetime) -> None:
    task = open_task_for(state, req.task_id)
    check_in_scope(state, req.actor, state.policy.extend_roles, "extending a deadline")
    clock = state.policy.clock(task.task_type)
    if not clock.extendable:
        raise _reject(
            Rejection.conflict,
            f"the term for '{task.label}' cannot be extended (basis: {clock.basis})",
        )
    if clock.max_extensions is not None and task.extensions >= clock.max_extensions:
        raise _reject(
            Rejection.conflict,
            f"the term for '{task.label}' may be extended {clock.max_extensions} time(s); "
            "that has been used",
        )
    if req.new_due_at <= task.due_at or req.new_due_at <= now:
        raise _reject(
            Rejection.invalid,
            f"new_due_at must lie after the current due date {task.due_at.isoformat()} and now",
        )
    ceiling = state.policy.max_extension(task.task_type, task.due_at)
    if ceiling is not None and req.new_due_at > ceiling:
        raise _reject(
            Rejection.invalid,
            f"the term for '{task.label}' may move to {ceiling.isoformat()} at the latest",
        )


def check_reassign(state: CaseState, req: ReassignTask) -> None:
    open_task_for(state, req.task_id)
    check_in_scope(state, req.actor, state.policy.reassign_roles, "reassigning a task")


def check_withdraw(state: CaseState, req: WithdrawMelding) -> None:
    check_case_open(state)
    check_in_scope(state, req.actor, state.policy.withdraw_roles, "withdrawing a melding")


def check_schorsing(state: CaseState, req: RecordSchorsing) -> None:
    check_case_open(state)
    check_in_scope(state, req.actor, [Role.commandant], "recording a schorsing")
    betrokkene = state.betrokkenen.get(req.betrokkene)
    if betrokkene is None:
        raise _reject(Rejection.invalid, f"{req.betrokkene} is not a betrokkene of this case")
    if betrokkene.geschorst:
        raise _reject(Rejection.conflict, f"a schorsing of {req.betrokkene} is already recorded")


def is_negative_weging(advies: str | None) -> bool:
    return advies in NEGATIVE_WEGING
