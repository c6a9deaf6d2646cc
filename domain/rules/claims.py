"""Taking up a task from the shared inbox of its role, and giving it back.

Anyone who holds the task's role for its unit may claim a task nobody has yet; the claimant, or a
role that may reassign, may release it. The rules take the task's plain facts so that the API's
early check (from the store's task row) and the workflow's validator (from the case state) are
the same function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.case import Actor, CaseState
from domain.errors import Rejection
from domain.requests import ClaimTask, ReleaseTask
from domain.roles import Role, unit_in_scope
from domain.rules.access import check_not_a_party, open_task_for, reject
from domain.rules.duties import INVESTIGATION_TASKS, cannot_investigate


class AnyTask(Protocol):
    """A task as the store's row, the API's view or the workflow's state holds it."""

    @property
    def task_id(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def assignees(self) -> Sequence[str] | None: ...
    @property
    def claimed_by(self) -> str | None: ...


@dataclass(frozen=True)
class TaskFacts:
    """What the claim rules read of a task: the same from a store row or the workflow state."""

    task_id: str
    label: str
    role: Role
    unit: str
    status: str
    assignees: tuple[str, ...]
    claimed_by: str | None

    @classmethod
    def of(cls, task: AnyTask) -> TaskFacts:
        return cls(
            task_id=task.task_id,
            label=task.label,
            role=Role(task.role),
            unit=task.unit,
            status=task.status,
            assignees=tuple(task.assignees or ()),
            claimed_by=task.claimed_by,
        )


def _check_open(task: TaskFacts) -> None:
    if task.status != "open":
        raise reject(
            Rejection.conflict,
            f"task {task.task_id} ({task.label}) is no longer open: it is {task.status}",
        )


def _acts_in(actor: Actor, roles: list[Role] | set[Role]) -> bool:
    held = [r for r in roles if r in actor.roles]
    return bool(held) and (actor.acting_role is None or actor.acting_role in held)


def check_may_claim(task: TaskFacts, actor: Actor) -> None:
    """The task is open, nobody has it, and the actor holds its role for its unit."""
    _check_open(task)
    if not _acts_in(actor, [task.role]) or not unit_in_scope(task.unit, actor.units):
        raise reject(
            Rejection.forbidden,
            f"claiming task {task.task_id} ({task.label}) needs the role {task.role.value} "
            f"for unit {task.unit}",
        )
    if actor.sub in task.assignees:
        raise reject(Rejection.conflict, f"task {task.task_id} ({task.label}) is already yours")
    if task.assignees:
        raise reject(
            Rejection.conflict,
            f"task {task.task_id} ({task.label}) has already been taken up by someone else",
        )


def check_may_release(task: TaskFacts, actor: Actor, reassign_roles: list[Role]) -> None:
    """The task is open and claimed; the actor is its claimant or a role that may reassign."""
    _check_open(task)
    if task.claimed_by is None:
        how = "it was assigned, not claimed: it can be reassigned" if task.assignees else ""
        raise reject(
            Rejection.conflict,
            f"task {task.task_id} ({task.label}) has not been claimed, so it cannot be released"
            + (f"; {how}" if how else ""),
        )
    if actor.sub == task.claimed_by:
        return
    if not _acts_in(actor, reassign_roles) or not unit_in_scope(task.unit, actor.units):
        wanted = " or ".join(r.value for r in reassign_roles)
        raise reject(
            Rejection.forbidden,
            f"only the person who claimed task {task.task_id} ({task.label}) "
            f"or the role {wanted} may release it",
        )


def check_claim(state: CaseState, req: ClaimTask) -> None:
    """The workflow's validator: the rule above plus what only the case state knows."""
    task = open_task_for(state, req.task_id)
    check_may_claim(TaskFacts.of(task), req.actor)
    check_not_a_party(state, req.actor)
    if task.task_type in INVESTIGATION_TASKS:
        excluded = cannot_investigate(state)
        if req.actor.sub in excluded:
            raise reject(
                Rejection.forbidden,
                f"you cannot investigate in this case: {req.actor.sub} {excluded[req.actor.sub]}",
            )


def check_release(state: CaseState, req: ReleaseTask) -> None:
    task = open_task_for(state, req.task_id)
    check_may_release(TaskFacts.of(task), req.actor, state.policy.reassign_roles)
