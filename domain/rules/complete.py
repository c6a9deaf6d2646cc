"""Completing a task: the one entry point that sends each payload to the rules it answers to."""

from __future__ import annotations

from datetime import datetime

from domain.case import CaseState, TaskState
from domain.errors import Rejection
from domain.payloads import (
    BesluitAfdoening,
    BesluitInstelling,
    BesluitNaIntrekking,
    KeuzeAfhandeling,
    SchendingBeoordeling,
    parse_payload,
)
from domain.phases import TaskType
from domain.requests import CompleteTask
from domain.roles import Role
from domain.rules.access import check_in_scope, is_negative_weging, open_task_for, reject
from domain.rules.afdoening import check_besluit_afdoening
from domain.rules.duties import check_beschikking_duties
from domain.rules.obligations import check_may_close
from domain.rules.terms import check_onderzoek_term

# Tasks another role may complete besides the owner: terugkoppeling by the BG or the adviser.
ALSO_BY: dict[TaskType, tuple[Role, ...]] = {TaskType.terugkoppeling_melder: (Role.commandant,)}


def roles_for(task: TaskState) -> list[Role]:
    return completing_roles(task.task_type, task.role)


def completing_roles(task_type: TaskType, owner: Role) -> list[Role]:
    """Who may complete a task: its owner, and for some tasks another role as well."""
    return [owner, *ALSO_BY.get(task_type, ())]


def check_complete(state: CaseState, req: CompleteTask, now: datetime | None = None) -> None:
    task = open_task_for(state, req.task_id)
    check_in_scope(state, req.actor, roles_for(task), f"task '{task.label}'")
    if task.assignees and req.actor.sub not in task.assignees:
        raise reject(
            Rejection.forbidden,
            f"task {task.task_id} is assigned to {', '.join(task.assignees)}, not to you",
        )
    try:
        payload = parse_payload(task.task_type, req.payload)
    except ValueError as exc:
        raise reject(Rejection.invalid, str(exc)) from None
    moment = now or task.opened_at
    if isinstance(payload, BesluitInstelling):
        check_beschikking(state, payload)
        check_beschikking_duties(state, req.actor, payload)
        check_onderzoek_term(state, payload, moment)
    elif isinstance(payload, SchendingBeoordeling):
        check_schending_covers_betrokkenen(state, payload)
    elif isinstance(payload, BesluitAfdoening):
        check_besluit_afdoening(state, task, payload, moment)
    elif isinstance(payload, KeuzeAfhandeling) and payload.keuze == "klacht":
        check_may_close(state, "routing the melding to the klacht track")
    elif isinstance(payload, BesluitNaIntrekking) and not payload.voortzetten:
        check_may_close(state, "stopping the investigation after the withdrawal")


def check_beschikking(state: CaseState, besluit: BesluitInstelling) -> None:
    if besluit.besluit != "instellen":
        return
    if is_negative_weging(state.weging):
        raise reject(
            Rejection.conflict,
            f"no investigation can start: the weging advised '{state.weging}'",
        )
    unknown = sorted(set(besluit.betrokkenen) - set(state.betrokkenen))
    if unknown:
        raise reject(
            Rejection.invalid,
            f"betrokkenen not registered in this case: {', '.join(unknown)}",
        )


def check_schending_covers_betrokkenen(state: CaseState, beoordeling: SchendingBeoordeling) -> None:
    expected = {b.ref for b in state.betrokkenen.values() if b.in_onderzoek}
    if set(beoordeling.schending) != expected:
        raise reject(
            Rejection.invalid,
            "schending must be decided for exactly the betrokkenen of the investigation: "
            f"{', '.join(sorted(expected))}",
        )
