"""Lifecycle phases and the human tasks in them (section 2)."""

from __future__ import annotations

from enum import StrEnum

from domain.roles import Role


class Phase(StrEnum):
    intake = "intake"
    keuze_afhandeling = "keuze_afhandeling"
    weging = "weging"
    instelling = "instelling"
    onderzoek = "onderzoek"
    beoordeling = "beoordeling"
    voornemen = "voornemen"
    afdoening = "afdoening"
    bezwaar = "bezwaar"
    nazorg = "nazorg"
    gesloten = "gesloten"


class TaskType(StrEnum):
    ontvangstbevestiging = "ontvangstbevestiging"
    intake_contact = "intake_contact"
    keuze_afhandeling = "keuze_afhandeling"
    weging = "weging"
    besluit_instelling = "besluit_instelling"
    review_beschikking = "review_beschikking"
    concept_rapport = "concept_rapport"
    zienswijze_concept = "zienswijze_concept"
    eindrapport = "eindrapport"
    schending_beoordeling = "schending_beoordeling"
    voornemen = "voornemen"
    zienswijze_voornemen = "zienswijze_voornemen"
    hac_advies = "hac_advies"
    besluit_afdoening = "besluit_afdoening"
    bezwaartermijn = "bezwaartermijn"
    beslissing_op_bezwaar = "beslissing_op_bezwaar"
    nazorg_afspraak = "nazorg_afspraak"
    nazorg_checkin = "nazorg_checkin"
    terugkoppeling_melder = "terugkoppeling_melder"
    schorsing_review = "schorsing_review"
    besluit_na_intrekking = "besluit_na_intrekking"


TASK_OWNER: dict[TaskType, Role] = {
    TaskType.ontvangstbevestiging: Role.coid_adviseur,
    TaskType.intake_contact: Role.coid_adviseur,
    TaskType.keuze_afhandeling: Role.commandant,
    TaskType.weging: Role.coid_adviseur,
    TaskType.besluit_instelling: Role.commandant,
    TaskType.review_beschikking: Role.jurist,
    TaskType.concept_rapport: Role.onderzoeker,
    TaskType.zienswijze_concept: Role.onderzoeker,
    TaskType.eindrapport: Role.onderzoeker,
    TaskType.schending_beoordeling: Role.commandant,
    TaskType.voornemen: Role.jurist,
    TaskType.zienswijze_voornemen: Role.jurist,
    TaskType.hac_advies: Role.hac,
    TaskType.besluit_afdoening: Role.commandant,
    TaskType.bezwaartermijn: Role.jurist,
    TaskType.beslissing_op_bezwaar: Role.jurist,
    TaskType.nazorg_afspraak: Role.commandant,
    TaskType.nazorg_checkin: Role.nazorg,
    TaskType.terugkoppeling_melder: Role.coid_adviseur,
    TaskType.schorsing_review: Role.commandant,
    TaskType.besluit_na_intrekking: Role.commandant,
}

TASK_LABEL: dict[TaskType, str] = {
    TaskType.ontvangstbevestiging: "Ontvangstbevestiging aan de melder",
    TaskType.intake_contact: "Intakecontact met de melder",
    TaskType.keuze_afhandeling: "Keuze afhandeling",
    TaskType.weging: "Weging (bindend advies COID)",
    TaskType.besluit_instelling: "Besluit en instellingsbeschikking",
    TaskType.review_beschikking: "Juridische toets instellingsbeschikking",
    TaskType.concept_rapport: "Onderzoek: concept-rapport",
    TaskType.zienswijze_concept: "Zienswijze betrokkene op concept-rapport",
    TaskType.eindrapport: "Eindrapport",
    TaskType.schending_beoordeling: "Schending vastgesteld?",
    TaskType.voornemen: "Voornemen maatregel",
    TaskType.zienswijze_voornemen: "Zienswijze betrokkene op voornemen",
    TaskType.hac_advies: "Advies hoor- en adviescommissie",
    TaskType.besluit_afdoening: "Besluit afdoening",
    TaskType.bezwaartermijn: "Bezwaartermijn",
    TaskType.beslissing_op_bezwaar: "Beslissing op bezwaar",
    TaskType.nazorg_afspraak: "Nazorgafspraak",
    TaskType.nazorg_checkin: "Nazorg check-in",
    TaskType.terugkoppeling_melder: "Terugkoppeling aan de melder",
    TaskType.schorsing_review: "Heroverweging schorsing",
    TaskType.besluit_na_intrekking: "Besluit na intrekking: onderzoek voortzetten?",
}

# Clocks that run beside the phases: they never move the case to another phase.
PARALLEL_TASKS = frozenset(
    {
        TaskType.terugkoppeling_melder,
        TaskType.schorsing_review,
        TaskType.nazorg_checkin,
        TaskType.besluit_na_intrekking,
    }
)

# Tasks that belong to whoever takes the intake (the COID, or at the KMar its own adviser).
INTAKE_TASKS = frozenset(
    {TaskType.ontvangstbevestiging, TaskType.intake_contact, TaskType.terugkoppeling_melder}
)


def task_owner(task_type: TaskType, variant: str = "standaard") -> Role:
    """The role that owns a task in a case of ``variant``: never the COID at the KMar."""
    if variant == "kmar" and task_type in INTAKE_TASKS:
        return Role.kmar_integriteitsadviseur
    return TASK_OWNER[task_type]
