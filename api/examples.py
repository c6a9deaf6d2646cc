"""One example payload per task type, shown in the OpenAPI docs of POST /tasks/{id}/complete."""

from __future__ import annotations

from typing import Any

from domain.phases import TASK_LABEL, TaskType

T = TaskType
RAPPORT = {"document_ref": "DOC-2026-014", "samenvatting": "Bevindingen van de commissie."}
PAYLOAD_EXAMPLES: dict[TaskType, dict[str, Any]] = {
    T.ontvangstbevestiging: {"verzonden_op": "2026-11-30", "kanaal": "email"},
    T.intake_contact: {"samenvatting": "Melder gesproken; verloop van de incidenten vastgelegd."},
    T.keuze_afhandeling: {"keuze": "onderzoek_overwogen", "motivering": "Ernstig vermoeden."},
    T.weging: {"advies": "onderzoek", "motivering": "Het vermoeden is concreet genoeg."},
    T.besluit_instelling: {
        "besluit": "instellen",
        "onderzoeksopdracht": "Onderzoek naar de feiten rond de melding.",
        "onderzoekers": ["ond-1"],
        "termijn_weken": 12,
        "betrokkenen": ["BTR-1"],
    },
    T.review_beschikking: {"akkoord": True},
    T.concept_rapport: RAPPORT,
    T.zienswijze_concept: {"ontvangen": True, "samenvatting": "Betrokkene betwist de feiten."},
    T.eindrapport: RAPPORT,
    T.schending_beoordeling: {"schending": {"BTR-1": True}, "motivering": "Vastgesteld."},
    T.voornemen: {"maatregelen": ["ambtsbericht"], "motivering": "Ernst en herhaling."},
    T.zienswijze_voornemen: {"ontvangen": False},
    T.hac_advies: {"advies": "Ontslag is evenredig.", "geadviseerde_maatregelen": ["ontslag"]},
    T.besluit_afdoening: {
        "maatregelen": ["ambtsbericht", "leerafspraak"],
        "motivering": "Besluit.",
    },
    T.bezwaartermijn: {"ontvangen_op": "2027-01-10", "advies_commissie": False},
    T.beslissing_op_bezwaar: {"uitkomst": "ongegrond", "motivering": "Geen nieuwe feiten."},
    T.nazorg_afspraak: {
        "plan": "Gesprekken met melder en team",
        "aanbieder": "bmw",
        "doelgroepen": ["melder", "team"],
        "nazorg_medewerkers": ["naz-1"],
    },
    T.nazorg_checkin: {"verslag": "Goed gesprek; geen verdere zorg nodig."},
    T.terugkoppeling_melder: {"verslag": "Melder over de afloop geïnformeerd."},
    T.schorsing_review: {"besluit": "handhaven", "motivering": "Onderzoek loopt nog."},
    T.besluit_na_intrekking: {"voortzetten": True, "motivering": "Het vermoeden blijft ernstig."},
}


def openapi_examples() -> dict[str, dict[str, Any]]:
    return {t.value: {"summary": TASK_LABEL[t], "value": PAYLOAD_EXAMPLES[t]} for t in TaskType}
