"""Afdoening measures (section 5) and how the published tables count them."""

from __future__ import annotations

from enum import StrEnum


class Measure(StrEnum):
    ontslag = "ontslag"
    voorwaardelijk_ontslag = "voorwaardelijk_ontslag"
    aanstelling_niet_verlengd = "aanstelling_niet_verlengd"
    berisping = "berisping"
    ambtsbericht = "ambtsbericht"
    verplaatsing = "verplaatsing"
    tuchtstraf = "tuchtstraf"
    bevestiging_bewustwordingsgesprek = "bevestiging_bewustwordingsgesprek"
    afloopbericht = "afloopbericht"
    bevestiging_afdoening = "bevestiging_afdoening"
    bevestiging_afspraken = "bevestiging_afspraken"
    leerafspraak = "leerafspraak"
    vaststellingsovereenkomst = "vaststellingsovereenkomst"
    waarschuwingsbrief = "waarschuwingsbrief"
    kennisgeving = "kennisgeving"
    in_de_lijn_afgedaan = "in_de_lijn_afgedaan"
    geen_maatregel = "geen_maatregel"


KMAR_WRITTEN_OUTCOMES = frozenset(
    {
        Measure.bevestiging_bewustwordingsgesprek,
        Measure.afloopbericht,
        Measure.bevestiging_afdoening,
        Measure.bevestiging_afspraken,
        Measure.leerafspraak,
        Measure.vaststellingsovereenkomst,
    }
)


class DefensieSummaryRow(StrEnum):
    """The four rows of the Defensie-wide afdoening summary."""

    ontslagen = "Ontslagen"
    ambtsbericht_of_berisping = "Ambtsbericht of berisping"
    verplaatsing = "Verplaatsing"
    andere_maatregel = "Andere maatregel"


def defensie_summary_row(measure: Measure) -> DefensieSummaryRow | None:
    """Row of the Defensie-wide summary a measure counts in; None for 'no measure'."""
    if measure in (Measure.ontslag, Measure.voorwaardelijk_ontslag):
        return DefensieSummaryRow.ontslagen
    if measure in (Measure.berisping, Measure.ambtsbericht):
        return DefensieSummaryRow.ambtsbericht_of_berisping
    if measure is Measure.verplaatsing:
        return DefensieSummaryRow.verplaatsing
    if measure in (Measure.geen_maatregel, Measure.waarschuwingsbrief, Measure.kennisgeving):
        return None
    return DefensieSummaryRow.andere_maatregel


def validate_measures(measures: list[str]) -> list[Measure]:
    """Parse a betrokkene's measures; raises ValueError with a sentence a person understands."""
    if not measures:
        raise ValueError("at least one measure is required (use 'geen_maatregel' for none)")
    parsed: list[Measure] = []
    for code in measures:
        try:
            parsed.append(Measure(code))
        except ValueError:
            known = ", ".join(m.value for m in Measure)
            raise ValueError(f"unknown measure '{code}'; known measures: {known}") from None
    if len(set(parsed)) != len(parsed):
        raise ValueError("a measure is listed twice for the same betrokkene")
    if Measure.geen_maatregel in parsed and len(parsed) > 1:
        raise ValueError("'geen_maatregel' cannot be combined with other measures")
    return parsed


# Formal measures need the full procedure (section 5): schending, voornemen, zienswijze, HAC.
FORMAL_MEASURES = frozenset(
    {
        Measure.ontslag,
        Measure.voorwaardelijk_ontslag,
        Measure.aanstelling_niet_verlengd,
        Measure.berisping,
        Measure.ambtsbericht,
        Measure.verplaatsing,
        Measure.tuchtstraf,
    }
)
INFORMAL_MEASURES = frozenset(Measure) - FORMAL_MEASURES
# The legal-status measures: the default set that needs HAC advice outside CZSK (assumed).
LEGAL_STATUS_MEASURES = frozenset(
    {
        Measure.ontslag,
        Measure.voorwaardelijk_ontslag,
        Measure.aanstelling_niet_verlengd,
        Measure.verplaatsing,
    }
)
# How heavy a formal measure is, for "a voornemen that named that measure or a heavier one".
# The policy may override it; the order itself is assumed (ontslag heaviest, ambtsbericht lightest).
DEFAULT_SEVERITY: dict[str, int] = {
    Measure.ontslag.value: 7,
    Measure.voorwaardelijk_ontslag.value: 6,
    Measure.aanstelling_niet_verlengd.value: 5,
    Measure.verplaatsing.value: 4,
    Measure.tuchtstraf.value: 3,
    Measure.berisping.value: 2,
    Measure.ambtsbericht.value: 1,
}


def is_formal(measure: str) -> bool:
    return measure in FORMAL_MEASURES
