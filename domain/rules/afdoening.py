"""Measures follow from the path, per betrokkene (domain reference, sections 2 and 5)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from domain.case import CaseState, TaskState
from domain.errors import Rejection
from domain.measures import FORMAL_MEASURES, INFORMAL_MEASURES, Measure
from domain.payloads import BesluitAfdoening, BesluitInstelling, KeuzeAfhandeling
from domain.phases import TaskType
from domain.requests import NewVoornemen
from domain.roles import Role
from domain.rules.access import (
    check_case_open,
    check_in_scope,
    done,
    is_negative_weging,
    last_payload,
    reject,
)

Route = Literal[
    "lijn", "negatieve_weging", "geen_onderzoek", "niet_onderzocht", "schending_nee", "schending_ja"
]
ROUTE_TEXT: dict[Route, str] = {
    "lijn": "the case was handled in de lijn",
    "negatieve_weging": "the weging advised against an investigation",
    "geen_onderzoek": "no investigation was started",
    "niet_onderzocht": "{ref} was not named in the instellingsbeschikking",
    "schending_nee": "no schending was established for {ref}",
    "schending_ja": "a schending was established for {ref}",
}
# Schending nee: an afloopbericht to that betrokkene, nothing heavier.
AFTER_SCHENDING_NEE = frozenset({Measure.afloopbericht, Measure.geen_maatregel})


def route_of(state: CaseState, ref: str) -> Route:
    """The path by which the case reached the afdoening of betrokkene ``ref``."""
    keuze = last_payload(state, TaskType.keuze_afhandeling, KeuzeAfhandeling)
    if keuze is not None and keuze.keuze == "lijn":
        return "lijn"
    if is_negative_weging(state.weging):
        return "negatieve_weging"
    besluit = last_payload(state, TaskType.besluit_instelling, BesluitInstelling)
    if besluit is None or besluit.besluit == "niet_instellen":
        return "geen_onderzoek"
    betrokkene = state.betrokkenen[ref]
    if not betrokkene.in_onderzoek:
        return "niet_onderzocht"
    return "schending_ja" if betrokkene.schending else "schending_nee"


def open_outcomes(state: CaseState, ref: str) -> frozenset[Measure]:
    route = route_of(state, ref)
    if route == "schending_ja":
        return frozenset(Measure)
    if route == "schending_nee":
        return AFTER_SCHENDING_NEE
    return INFORMAL_MEASURES


def check_besluit_afdoening(
    state: CaseState, task: TaskState, besluit: BesluitAfdoening, now: datetime
) -> None:
    measures = [Measure(m) for m in besluit.maatregelen]
    check_measure_names_a_betrokkene(task.betrokkene, besluit)
    if task.betrokkene is None:
        return
    ref = task.betrokkene
    route = route_of(state, ref)
    why = ROUTE_TEXT[route].format(ref=ref)
    closed = [m.value for m in measures if m not in open_outcomes(state, ref)]
    if closed:
        allowed = ", ".join(sorted(m.value for m in open_outcomes(state, ref)))
        raise reject(
            Rejection.conflict,
            f"{', '.join(closed)} cannot be decided for {ref}: {why}, "
            f"so only these outcomes are open: {allowed}",
        )
    for measure in measures:
        if measure in FORMAL_MEASURES:
            check_formal_procedure(state, ref, measure, now)


def check_measure_names_a_betrokkene(betrokkene: str | None, besluit: BesluitAfdoening) -> None:
    """A measure always names a betrokkene of the case (else it vanishes from the reports)."""
    if betrokkene is None and besluit.maatregelen != [Measure.geen_maatregel.value]:
        raise reject(
            Rejection.invalid,
            "a measure always names a betrokkene of the case, and this case has none: "
            "record 'geen_maatregel' or add the betrokkene first",
        )


def check_formal_procedure(state: CaseState, ref: str, measure: Measure, now: datetime) -> None:
    """Voornemen naming it (or heavier), the zienswijze on it, HAC advice where policy says."""
    policy = state.policy
    voorgenomen = [m for m in state.betrokkenen[ref].voorgenomen if m in FORMAL_MEASURES]
    if not any(policy.severity(v) >= policy.severity(measure) for v in voorgenomen):
        named = ", ".join(voorgenomen) or "none"
        raise reject(
            Rejection.conflict,
            f"{measure.value} for {ref} needs a voornemen naming it or a heavier measure "
            f"(voornemen named: {named}); a heavier measure than the voornemen needs a new one",
        )
    if not _zienswijze_heard(state, ref, now):
        raise reject(
            Rejection.conflict,
            f"{measure.value} for {ref} cannot be decided before the zienswijze on the voornemen "
            "is recorded or its term has ended (Awb 4:8)",
        )
    if measure.value in policy.hac_measures_for(state.melding.unit) and not done(
        state, TaskType.hac_advies, ref
    ):
        raise reject(
            Rejection.conflict,
            f"{measure.value} for {ref} needs the advice of the HAC first "
            f"(policy {policy.version}: {policy.hac_basis_for(state.melding.unit)})",
        )


def _zienswijze_heard(state: CaseState, ref: str, now: datetime) -> bool:
    """The zienswijze on the latest voornemen is recorded, or its term has ended."""
    tasks = [
        t
        for t in state.tasks.values()
        if t.task_type == TaskType.zienswijze_voornemen
        and t.betrokkene == ref
        and t.status != "cancelled"
    ]
    if not tasks:
        return False
    latest = tasks[-1]
    return latest.status in ("done", "expired") or latest.due_at <= now


def needs_bezwaartermijn(maatregelen: list[str]) -> bool:
    """No bezwaartermijn opens for 'geen_maatregel': there is nothing to object to."""
    return bool(maatregelen) and maatregelen != [Measure.geen_maatregel.value]


def check_new_voornemen(state: CaseState, req: NewVoornemen) -> None:
    """A new voornemen during the afdoening, for a betrokkene whose schending was established."""
    check_case_open(state)
    check_in_scope(state, req.actor, [Role.commandant], "asking for a new voornemen")
    if req.betrokkene not in state.betrokkenen:
        raise reject(Rejection.invalid, f"{req.betrokkene} is not a betrokkene of this case")
    if route_of(state, req.betrokkene) != "schending_ja":
        raise reject(
            Rejection.conflict,
            f"a voornemen needs an established schending; none was for {req.betrokkene}",
        )
    open_types = {t.task_type for t in state.open_tasks() if t.betrokkene == req.betrokkene}
    if TaskType.besluit_afdoening not in open_types:
        raise reject(
            Rejection.conflict,
            f"no besluit afdoening for {req.betrokkene} is pending: nothing to decide anew",
        )
    if open_types & {TaskType.voornemen, TaskType.zienswijze_voornemen, TaskType.hac_advies}:
        raise reject(Rejection.conflict, f"a voornemen for {req.betrokkene} is already under way")
