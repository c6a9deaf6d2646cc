"""Categories of suspected violations, channels and melder types (section 4)."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    financieel = "financieel"
    misbruik_positie = "misbruik_positie"
    lekken_informatie = "lekken_informatie"
    misbruik_geweld = "misbruik_geweld"
    ongewenste_omgangsvormen = "ongewenste_omgangsvormen"
    privesfeer = "privesfeer"
    dienstmiddelen = "dienstmiddelen"
    interne_regels = "interne_regels"
    overig = "overig"


CATEGORY_LABELS: dict[Category, str] = {
    Category.financieel: "Financiële schendingen",
    Category.misbruik_positie: "Misbruik positie, bevoegdheden en belangenverstrengeling",
    Category.lekken_informatie: "Lekken en misbruik van informatie",
    Category.misbruik_geweld: "Misbruik van geweldsbevoegdheid",
    Category.ongewenste_omgangsvormen: "Ongewenste omgangsvormen",
    Category.privesfeer: "Misdragingen in de privésfeer",
    Category.dienstmiddelen: "Oneigenlijk gebruik van dienstmiddelen",
    Category.interne_regels: "Overschrijding interne regels",
    Category.overig: "Overige",
}


class Channel(StrEnum):
    lijn = "lijn"
    webformulier = "webformulier"
    mid = "mid"
    coid = "coid"
    klacht = "klacht"
    overig = "overig"


class MelderType(StrEnum):
    medewerker = "medewerker"
    burger = "burger"
    anoniem = "anoniem"
