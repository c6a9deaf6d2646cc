"""Separation of duties and conflicts of interest (domain reference, sections 1 and 2)."""

from __future__ import annotations

from domain.case import Actor, CaseState
from domain.errors import Rejection
from domain.payloads import BesluitInstelling
from domain.phases import TaskType
from domain.requests import ReassignTask
from domain.roles import Role, unit_in_scope
from domain.rules.access import check_in_scope, done, open_task_for, reject

INVESTIGATION_TASKS = frozenset(
    {TaskType.concept_rapport, TaskType.zienswijze_concept, TaskType.eindrapport}
)


def weging_adviser(state: CaseState) -> str | None:
    wegingen = done(state, TaskType.weging)
    return wegingen[-1].completed_by if wegingen else None


def bevoegd_gezag(state: CaseState) -> set[str]:
    """Everyone who decided in this case as commandant (the BG)."""
    return {
        t.completed_by
        for t in state.tasks.values()
        if t.role == Role.commandant and t.status == "done" and t.completed_by
    }


def cannot_investigate(state: CaseState, signer: str | None = None) -> dict[str, str]:
    """People who may not be onderzoeker in this case, with the reason."""
    excluded = {sub: "is the bevoegd gezag of this case" for sub in bevoegd_gezag(state)}
    if signer:
        excluded[signer] = "signs the instellingsbeschikking as bevoegd gezag"
    adviser = weging_adviser(state)
    if adviser:
        excluded[adviser] = "gave the weging"
    return excluded


def check_beschikking_duties(state: CaseState, actor: Actor, besluit: BesluitInstelling) -> None:
    adviser = weging_adviser(state)
    if adviser is not None and actor.sub == adviser:
        raise reject(
            Rejection.forbidden,
            "the COID adviser who gave the weging cannot sign the instellingsbeschikking",
        )
    excluded = cannot_investigate(state, actor.sub)
    for sub in besluit.onderzoekers:
        if sub in excluded:
            raise reject(Rejection.invalid, f"{sub} cannot be onderzoeker: {sub} {excluded[sub]}")
        if sub in state.linked_parties:
            raise reject(Rejection.invalid, f"{sub} cannot be onderzoeker in this case")


def check_reassign(state: CaseState, req: ReassignTask) -> None:
    task = open_task_for(state, req.task_id)
    check_in_scope(state, req.actor, state.policy.reassign_roles, "reassigning a task")
    if req.assignee_roles is None or req.assignee_units is None:
        raise reject(
            Rejection.invalid,
            f"reassigning needs {req.assignee}'s roles and units from the directory",
        )
    check_assignee_holds_role(
        task.role, task.unit, req.assignee, req.assignee_roles, req.assignee_units
    )
    if req.assignee in state.linked_parties:
        raise reject(Rejection.invalid, f"{req.assignee} cannot take tasks in this case")
    if task.task_type in INVESTIGATION_TASKS:
        excluded = cannot_investigate(state)
        if req.assignee in excluded:
            raise reject(
                Rejection.invalid,
                f"{req.assignee} cannot investigate: {req.assignee} {excluded[req.assignee]}",
            )


def check_assignee_holds_role(
    role: Role, unit: str, assignee: str, roles: list[Role] | list[str], units: list[str]
) -> None:
    """A task goes only to a person who holds its role for its unit (API and validator)."""
    if role.value not in [str(r) for r in roles] or not unit_in_scope(unit, units):
        raise reject(
            Rejection.invalid,
            f"{assignee} does not hold the role {role.value} for unit {unit}: "
            "a task goes only to a person who holds its role in scope",
        )
