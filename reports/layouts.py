"""Each defensieonderdeel's row layout for the annual tables, as data (domain reference, 4 and 5).

A layout row names the category codes or measures it counts. Every category and every measure
lands in exactly one row of each layout (tests check this), so totals never lose a case.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.categories import CATEGORY_LABELS, Category
from domain.measures import Measure
from domain.roles import Defensieonderdeel

M = Measure
C = Category


@dataclass(frozen=True)
class CategoryRow:
    key: str
    label: str
    categories: frozenset[Category]
    since_year: int | None = None  # the row did not exist in the DO's tables before this year
    only_if_counted: bool = False  # not in the DO's published layout: shown only when non-zero


@dataclass(frozen=True)
class MeasureRow:
    label: str
    measures: frozenset[Measure]


@dataclass(frozen=True)
class AfdoeningLayout:
    rows: tuple[MeasureRow, ...]
    # measure -> measures that absorb it for the same betrokkene (it is then not counted again)
    absorbed_by: dict[Measure, frozenset[Measure]] = field(default_factory=dict)

    def row_of(self, measure: Measure) -> str:
        for row in self.rows:
            if measure in row.measures:
                return row.label
        raise KeyError(measure)


def _cat(
    code: Category, label: str | None = None, since_year: int | None = None, **kw: bool
) -> CategoryRow:
    label = label or CATEGORY_LABELS[code]
    return CategoryRow(code.value, label, frozenset({code}), since_year, **kw)


DEFENSIE_CATEGORIES: tuple[CategoryRow, ...] = tuple(_cat(c) for c in Category)

# CZSK (JID-2021 annex 1): own order, "Ongewenst gedrag", no "overig" row,
# dienstmiddelen published as a row of its own only from 2021.
CZSK_CATEGORIES: tuple[CategoryRow, ...] = (
    _cat(C.financieel),
    _cat(C.lekken_informatie),
    _cat(C.misbruik_geweld),
    _cat(C.dienstmiddelen, since_year=2021),
    _cat(C.misbruik_positie),
    _cat(C.privesfeer),
    _cat(C.ongewenste_omgangsvormen, "Ongewenst gedrag"),
    _cat(C.interne_regels),
    _cat(C.overig, "Overige (niet in de CZSK-indeling)", only_if_counted=True),
)

# CLAS and DMO merge dienstmiddelen with interne_regels (section 4).
_MERGED_RULES = CategoryRow(
    "dienstmiddelen_interne_regels",
    "Oneigenlijk gebruik dienstmiddelen en overschrijding interne regels",
    frozenset({C.dienstmiddelen, C.interne_regels}),
)
MERGED_RULES_CATEGORIES: tuple[CategoryRow, ...] = (
    _cat(C.financieel),
    _cat(C.misbruik_positie),
    _cat(C.lekken_informatie),
    _cat(C.misbruik_geweld),
    _cat(C.ongewenste_omgangsvormen),
    _cat(C.privesfeer),
    _MERGED_RULES,
    _cat(C.overig),
)

CATEGORY_LAYOUTS: dict[Defensieonderdeel, tuple[CategoryRow, ...]] = {
    Defensieonderdeel.CZSK: CZSK_CATEGORIES,
    Defensieonderdeel.CLAS: MERGED_RULES_CATEGORIES,
    Defensieonderdeel.DMO: MERGED_RULES_CATEGORIES,
    Defensieonderdeel.KMar: DEFENSIE_CATEGORIES,
    Defensieonderdeel.CLSK: DEFENSIE_CATEGORIES,
    Defensieonderdeel.BS: DEFENSIE_CATEGORIES,
    Defensieonderdeel.DOSCO: DEFENSIE_CATEGORIES,
}

_INFORMAL = frozenset(
    {
        M.tuchtstraf,
        M.aanstelling_niet_verlengd,
        M.in_de_lijn_afgedaan,
        M.bevestiging_bewustwordingsgesprek,
        M.afloopbericht,
        M.bevestiging_afdoening,
        M.bevestiging_afspraken,
        M.leerafspraak,
        M.vaststellingsovereenkomst,
    }
)
_NONE = frozenset({M.geen_maatregel, M.waarschuwingsbrief, M.kennisgeving})


def _five_rows(verplaatsing_label: str) -> AfdoeningLayout:
    """The layout CZSK publishes; the other DOs use it too, with their own wording."""
    return AfdoeningLayout(
        rows=(
            MeasureRow("Ontslag", frozenset({M.ontslag, M.voorwaardelijk_ontslag})),
            MeasureRow("Berisping of ambtsbericht", frozenset({M.berisping, M.ambtsbericht})),
            MeasureRow(verplaatsing_label, frozenset({M.verplaatsing})),
            MeasureRow("Overig maatregel", _INFORMAL),
            MeasureRow("Geen maatregel", _NONE),
        )
    )


def _own_row(measure: Measure, label: str) -> MeasureRow:
    return MeasureRow(label, frozenset({measure}))


# KMar reports its written outcomes each on a row of their own (section 5).
KMAR_AFDOENING = AfdoeningLayout(
    rows=(
        _own_row(M.ontslag, "Ontslag"),
        _own_row(M.voorwaardelijk_ontslag, "Voorwaardelijk ontslag (art. 100 Bard)"),
        _own_row(M.aanstelling_niet_verlengd, "Aanstelling niet verlengd"),
        MeasureRow("Berisping of ambtsbericht", frozenset({M.berisping, M.ambtsbericht})),
        _own_row(M.verplaatsing, "Verplaatsing"),
        _own_row(M.tuchtstraf, "Tuchtstraf"),
        _own_row(M.bevestiging_bewustwordingsgesprek, "Bevestiging bewustwordingsgesprek"),
        _own_row(M.afloopbericht, "Afloopbericht"),
        _own_row(M.bevestiging_afdoening, "Bevestiging afdoening"),
        _own_row(M.bevestiging_afspraken, "Bevestiging afspraken"),
        _own_row(M.leerafspraak, "Leerafspraak"),
        _own_row(M.vaststellingsovereenkomst, "Vaststellingsovereenkomst"),
        _own_row(M.in_de_lijn_afgedaan, "In de lijn afgedaan"),
        MeasureRow("Geen maatregel", _NONE),
    ),
    absorbed_by={M.leerafspraak: frozenset({M.ambtsbericht})},
)

AFDOENING_LAYOUTS: dict[Defensieonderdeel, AfdoeningLayout] = {
    Defensieonderdeel.CZSK: _five_rows("Gedwongen verplaatsing"),
    Defensieonderdeel.KMar: KMAR_AFDOENING,
    Defensieonderdeel.CLAS: _five_rows("Verplaatsing"),
    Defensieonderdeel.CLSK: _five_rows("Verplaatsing"),
    Defensieonderdeel.BS: _five_rows("Verplaatsing"),
    Defensieonderdeel.DOSCO: _five_rows("Verplaatsing"),
    Defensieonderdeel.DMO: _five_rows("Verplaatsing"),
}

NOG_GEEN_MAATREGEL = "Nog geen maatregel"
