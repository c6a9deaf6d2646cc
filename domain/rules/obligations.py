"""Obligations outlive the case's other paths (domain reference, section 2, last rule)."""

from __future__ import annotations

from typing import Literal

from domain.case import CaseState
from domain.errors import Rejection
from domain.phases import TaskType
from domain.requests import WithdrawMelding
from domain.rules.access import check_case_open, check_in_scope, reject

WithdrawalEffect = Literal["sluiten", "bg_beslist", "geregistreerd"]
BEZWAAR_TASKS = (TaskType.bezwaartermijn, TaskType.beslissing_op_bezwaar)


def withdrawal_effect(state: CaseState) -> WithdrawalEffect:
    """What a withdrawal by the melder does at this point of the case.

    Before the instellingsbeschikking it closes the case; after it the BG decides with reasons
    whether the investigation continues; once a besluit afdoening exists it is only recorded:
    bezwaar and nazorg owed to the betrokkene go on.
    """
    if any(b.besluit_at is not None for b in state.betrokkenen.values()):
        return "geregistreerd"
    if state.onderzoek_started_at is not None:
        return "bg_beslist"
    return "sluiten"


def closing_blockers(state: CaseState) -> list[str]:
    """Why the case cannot close now, one sentence per obligation still running."""
    reasons = [
        f"{ref} is geschorst: lift or decide the schorsing first (its review keeps running)"
        for ref, b in state.betrokkenen.items()
        if b.geschorst
    ]
    pending = sorted(
        {t.betrokkene or "-" for t in state.open_tasks() if t.task_type in BEZWAAR_TASKS}
    )
    if pending:
        reasons.append(
            f"the bezwaar of {', '.join(pending)} is pending: a beslissing op bezwaar is "
            "never cancelled"
        )
    return reasons


def check_may_close(state: CaseState, action: str) -> None:
    blockers = closing_blockers(state)
    if blockers:
        raise reject(
            Rejection.conflict, f"{action} would close the case, but " + "; ".join(blockers)
        )


def check_withdraw(state: CaseState, req: WithdrawMelding) -> None:
    check_case_open(state)
    check_in_scope(state, req.actor, state.policy.withdraw_roles, "withdrawing a melding")
    if state.withdrawn_at is not None:
        raise reject(
            Rejection.conflict,
            f"the melding was already withdrawn on {state.withdrawn_at.date().isoformat()}",
        )
    if withdrawal_effect(state) == "sluiten":
        check_may_close(state, "withdrawing the melding")
