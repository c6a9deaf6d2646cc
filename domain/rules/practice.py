"""What cases need in practice: early nazorg, new betrokkenen and getuigen, related meldingen."""

from __future__ import annotations

from domain.case import CaseState
from domain.errors import Rejection
from domain.phases import Phase, TaskType
from domain.requests import AddPerson, LinkMelding, ReopenCase, StartNazorg
from domain.roles import Role
from domain.rules.access import check_case_open, check_in_scope, reject

BEFORE_ONDERZOEK = frozenset(
    {Phase.intake, Phase.keuze_afhandeling, Phase.weging, Phase.instelling}
)


def check_start_nazorg(state: CaseState, req: StartNazorg) -> None:
    check_case_open(state)
    check_in_scope(state, req.actor, [Role.commandant], "opening nazorg")
    if state.phase in (Phase.intake, Phase.keuze_afhandeling, Phase.weging):
        raise reject(
            Rejection.conflict,
            f"nazorg can be opened once the weging is given; the case is in {state.phase.value}",
        )
    if any(
        t.task_type == TaskType.nazorg_afspraak and t.status != "cancelled"
        for t in state.tasks.values()
    ):
        raise reject(Rejection.conflict, "nazorg is already opened in this case")


def check_add_person(state: CaseState, req: AddPerson) -> None:
    check_case_open(state)
    check_in_scope(state, req.actor, [Role.commandant], f"adding a {req.as_role}")
    if req.ref in state.betrokkenen or req.ref in state.getuigen:
        raise reject(Rejection.conflict, f"{req.ref} is already part of this case")
    if req.as_role == "getuige":
        return
    if state.phase in BEFORE_ONDERZOEK:
        return
    concept_open = any(
        t.task_type == TaskType.concept_rapport and t.is_open for t in state.tasks.values()
    )
    if state.phase != Phase.onderzoek or not concept_open:
        raise reject(
            Rejection.conflict,
            f"a betrokkene can join until the concept-rapport is done; {req.ref} would miss "
            "hoor en wederhoor now: start a new melding for them",
        )


def check_link_melding(state: CaseState, req: LinkMelding) -> None:
    check_case_open(state)
    check_in_scope(
        state,
        req.actor,
        [Role.commandant, Role.coid_adviseur, Role.kmar_integriteitsadviseur],
        "linking a related melding",
    )
    if req.other_case_id == state.case_id:
        raise reject(Rejection.invalid, "a case cannot be linked to itself")
    if req.other_case_id in state.related_cases:
        raise reject(Rejection.conflict, f"{req.other_case_id} is already linked")


REOPEN_INTO = (Phase.keuze_afhandeling, Phase.instelling, Phase.afdoening)


def check_reopen(state: CaseState, req: ReopenCase) -> None:
    """Only a closed case reopens, by its BG, with reasons, into a phase that decides anew."""
    if state.status != "gesloten":
        raise reject(Rejection.conflict, f"case {state.case_id} is still open")
    check_in_scope(state, req.actor, [Role.commandant], "reopening a case")
    if req.phase not in REOPEN_INTO:
        allowed = ", ".join(p.value for p in REOPEN_INTO)
        raise reject(Rejection.invalid, f"a case reopens into one of: {allowed}")
