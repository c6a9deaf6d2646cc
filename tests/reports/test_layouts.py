"""Every measure and category has exactly one row in every DO's layout, so totals lose nothing."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from domain.categories import Category
from domain.measures import Measure
from domain.roles import Defensieonderdeel
from reports.annual import annual_report
from reports.facts import load_facts
from reports.importer import import_csv
from reports.layouts import AFDOENING_LAYOUTS, CATEGORY_LAYOUTS


@pytest.mark.parametrize("do", list(Defensieonderdeel))
def test_each_measure_and_category_lands_in_one_row(do: Defensieonderdeel) -> None:
    for measure in Measure:
        assert sum(measure in r.measures for r in AFDOENING_LAYOUTS[do].rows) == 1, (do, measure)
    for category in Category:
        assert sum(category in r.categories for r in CATEGORY_LAYOUTS[do]) == 1, (do, category)


def test_kmar_counts_a_leerafspraak_with_an_ambtsbericht_once(store: Engine) -> None:
    text = "\n".join(
        [
            "case_ref,do,unit,registered_on,system,category,betrokkene,measure,decided_on",
            "K-1,KMar,KMar/LTP,2021-02-01,BPS,interne_regels,B1,ambtsbericht,2021-04-01",
            "K-1,KMar,KMar/LTP,2021-02-01,BPS,interne_regels,B1,leerafspraak,2021-04-01",
            "K-1,KMar,KMar/LTP,2021-02-01,BPS,interne_regels,B2,leerafspraak,2021-04-01",
            "K-1,KMar,KMar/LTP,2021-02-01,BPS,interne_regels,B3,voorwaardelijk_ontslag,2021-04-01",
        ]
    )
    import_csv(store, text, "kmar.csv", "x")
    afdoening = annual_report(load_facts(store), 2021, "KMar").section("KMar").table("afdoening")
    assert afdoening.cell("Berisping of ambtsbericht", "2021") == 1
    assert afdoening.cell("Leerafspraak", "2021") == 1  # only B2's
    assert afdoening.cell("Voorwaardelijk ontslag (art. 100 Bard)", "2021") == 1
    assert afdoening.cell("Totaal", "2021") == 3


def test_clas_merges_dienstmiddelen_with_interne_regels(store: Engine) -> None:
    text = "\n".join(
        [
            "case_ref,do,unit,registered_on,system,category",
            "C-1,CLAS,CLAS/11LMB,2021-02-01,MVV,dienstmiddelen",
            "C-2,CLAS,CLAS/11LMB,2021-02-01,MVV,interne_regels",
        ]
    )
    import_csv(store, text, "clas.csv", "x")
    meldingen = annual_report(load_facts(store), 2021, "CLAS").section("CLAS").table("meldingen")
    assert meldingen.cell("dienstmiddelen_interne_regels", "2021") == 2
    assert meldingen.cell("Totaal", "2021") == 2


def test_notificatieformulier_meldingen_show_in_the_period_after_the_cutover(store: Engine) -> None:
    text = "\n".join(
        [
            "case_ref,do,unit,registered_on,system,channel,category",
            "Z-1,CZSK,CZSK/Vloot,2021-11-03,MVV,lijn,ongewenste_omgangsvormen",
            "Z-2,CZSK,CZSK/Vloot,2021-11-04,COID,webformulier,ongewenste_omgangsvormen",
            "Z-3,CZSK,CZSK/Vloot,2021-12-01,COID,mid,ongewenste_omgangsvormen",
            "Z-4,CZSK,CZSK/Vloot,2021-12-01,COID,lijn,ongewenste_omgangsvormen",
        ]
    )
    import_csv(store, text, "z.csv", "x")
    meldingen = annual_report(load_facts(store), 2021, "CZSK").section("CZSK").table("meldingen")
    row = "ongewenste_omgangsvormen"
    assert meldingen.cell(row, "MVV/BPS t/m 3 nov") == 1
    assert meldingen.cell(row, "webformulier/MID vanaf 4 nov") == 2
    assert meldingen.cell(row, "anders geregistreerd") == 1
    assert meldingen.cell(row, "2021") == 4
