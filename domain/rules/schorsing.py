"""Recording a schorsing: the BG, for a betrokkene of the case, once until it is lifted."""

from __future__ import annotations

from domain.case import CaseState
from domain.errors import Rejection
from domain.requests import RecordSchorsing
from domain.roles import Role
from domain.rules.access import check_case_open, check_in_scope, reject


def check_schorsing(state: CaseState, req: RecordSchorsing) -> None:
    check_case_open(state)
    check_in_scope(state, req.actor, [Role.commandant], "recording a schorsing")
    betrokkene = state.betrokkenen.get(req.betrokkene)
    if betrokkene is None:
        raise reject(Rejection.invalid, f"{req.betrokkene} is not a betrokkene of this case")
    if betrokkene.geschorst:
        raise reject(Rejection.conflict, f"a schorsing of {req.betrokkene} is already recorded")
