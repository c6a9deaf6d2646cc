"""Conflicts of interest: a user who is the melder or a betrokkene of a case (section 1, 6)."""

from __future__ import annotations

from domain.case import CaseState
from domain.errors import Rejection
from domain.requests import LinkParty
from domain.roles import intake_role
from domain.rules.access import check_case_open, check_in_scope, reject


def case_advisers(state: CaseState) -> set[str]:
    """Who handled the case's COID tasks; until someone has, every adviser in scope may."""
    return {
        t.completed_by
        for t in state.tasks.values()
        if t.role == intake_role(state.melding.unit) and t.completed_by
    } | {
        sub
        for t in state.open_tasks()
        if t.role == intake_role(state.melding.unit)
        for sub in t.assignees
    }


def check_link_party(state: CaseState, req: LinkParty) -> None:
    check_case_open(state)
    adviser_role = intake_role(state.melding.unit)
    check_in_scope(state, req.actor, [adviser_role], "recording a conflict of interest")
    advisers = case_advisers(state)
    if advisers and req.actor.sub not in advisers:
        raise reject(
            Rejection.forbidden,
            "only the case's own integrity adviser records who is melder or betrokkene in it",
        )
    if req.sub == req.actor.sub:
        raise reject(
            Rejection.invalid, "you cannot record yourself: hand the case to another adviser"
        )
