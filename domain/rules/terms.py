"""Every term from the case's policy version (domain reference, section 3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from pydantic import BaseModel

from domain.calendar import add_months
from domain.case import Actor, CaseState
from domain.errors import Rejection
from domain.payloads import BesluitInstelling
from domain.phases import TaskType
from domain.policy import DeadlinePolicy
from domain.requests import ExtendTask
from domain.roles import Role
from domain.rules.access import check_in_scope, check_role, open_task_for, reject


class ExtensionTarget(Protocol):
    """What the extend rules read of a task: the workflow's TaskState or the store's row."""

    @property
    def label(self) -> str: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def extensions(self) -> int: ...


class ExtensionRow(BaseModel):
    """A task as the API sees it in the store, for the early check."""

    label: str
    due_at: datetime
    extensions: int = 0


def check_extend(state: CaseState, req: ExtendTask, now: datetime) -> None:
    task = open_task_for(state, req.task_id)
    check_in_scope(state, req.actor, state.policy.extend_roles_for(task.task_type), extending(task))
    check_extension(state.policy, task.task_type, task, req.new_due_at, now)


def extending(task: ExtensionTarget) -> str:
    return f"extending the term for '{task.label}'"


def check_extender(
    policy: DeadlinePolicy, task_type: TaskType, task: ExtensionTarget, actor: Actor
) -> Role:
    """Who may extend is policy per clock (the onderzoek: only the BG); the role acted in."""
    return check_role(actor, policy.extend_roles_for(task_type), extending(task))


def extended_due(policy: DeadlinePolicy, requested: datetime) -> datetime:
    """An extension ends where every term ends: at the end of a working day in Amsterdam."""
    return policy.deadline_on(requested)


def check_extension(
    policy: DeadlinePolicy,
    task_type: TaskType,
    task: ExtensionTarget,
    requested: datetime,
    now: datetime,
) -> None:
    """The clock's own rules: whether it extends, how often, and how far."""
    clock = policy.clock(task_type)
    if not clock.extendable:
        raise reject(
            Rejection.conflict,
            f"the term for '{task.label}' cannot be extended (basis: {clock.basis})",
        )
    if clock.max_extensions is not None and task.extensions >= clock.max_extensions:
        raise reject(
            Rejection.conflict,
            f"the term for '{task.label}' may be extended {clock.max_extensions} time(s); "
            "that has been used",
        )
    new_due = extended_due(policy, requested)
    if new_due <= task.due_at or new_due <= now:
        raise reject(
            Rejection.invalid,
            f"new_due_at must lie after the current due date {task.due_at.isoformat()} and now "
            f"(a term ends at the end of a working day: {new_due.isoformat()})",
        )
    ceiling = policy.max_extension(task_type, task.due_at)
    if ceiling is not None and new_due > ceiling:
        raise reject(
            Rejection.invalid,
            f"the term for '{task.label}' may move to {ceiling.isoformat()} at the latest",
        )


def check_onderzoek_term(state: CaseState, besluit: BesluitInstelling, now: datetime) -> None:
    """The beschikking may set a shorter onderzoek than the policy, never a longer one."""
    if besluit.besluit != "instellen" or besluit.termijn_weken is None:
        return
    ceiling = state.policy.due_from(TaskType.concept_rapport, now)
    if state.policy.term_end(now, besluit.termijn_weken, "weeks") > ceiling:
        clock = state.policy.clock(TaskType.concept_rapport)
        raise reject(
            Rejection.invalid,
            f"termijn_weken {besluit.termijn_weken} exceeds the onderzoek term of policy "
            f"{state.policy.version} ({clock.term} {clock.unit}); a longer onderzoek needs an "
            "extension by the BG, with reasons",
        )


def onderzoek_due(state: CaseState, besluit: BesluitInstelling, started: datetime) -> datetime:
    """End of the onderzoek: the beschikking's own term, else the policy's."""
    if besluit.termijn_weken is None:
        return state.policy.due_from(TaskType.concept_rapport, started)
    return state.policy.term_end(started, besluit.termijn_weken, "weeks")


def beslissing_op_bezwaar_due(
    state: CaseState, termijn_end: datetime, received: datetime, *, advisory: bool
) -> datetime:
    """Awb 7:10: counted from the end of the bezwaartermijn, or from receipt of a late bezwaar."""
    start = max(termijn_end, received)
    return state.policy.due_from(TaskType.beslissing_op_bezwaar, start, advisory=advisory)


# Before the check-ins were opened at the besluit, a check-in already past fell one day later.
LEGACY_CHECKIN_FLOOR = timedelta(days=1)


def legacy_checkin_due(due: datetime, now: datetime) -> datetime:
    return max(due, now + LEGACY_CHECKIN_FLOOR)


def legacy_terugkoppeling_due(now: datetime) -> datetime:
    """Before 2026.2 the Wbk clock ran 3 months from the moment the bevestiging was recorded."""
    return add_months(now, 3)
