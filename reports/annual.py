"""The annual tables of section 7, counted from case facts. Pure: no database, no rendering."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime

from domain.measures import Measure, defensie_summary_row
from domain.roles import Defensieonderdeel
from reports.facts import CaseFact, Facts
from reports.layouts import (
    AFDOENING_LAYOUTS,
    CATEGORY_LAYOUTS,
    DEFENSIE_CATEGORIES,
    NOG_GEEN_MAATREGEL,
    AfdoeningLayout,
    CategoryRow,
)
from reports.leadtimes import leadtime_tables
from reports.tables import Cell, Report, Row, Section, Table

# Figure 5: until 3 November 2021 meldingen were registered in MVV (and the police BPS),
# from 4 November 2021 via the webformulier and the MID.
CUTOVER = date(2021, 11, 4)
LEGACY_SYSTEMS = frozenset({"MVV/PSMV", "BPS"})
NEW_CHANNELS = frozenset({"webformulier", "mid"})
PERIOD_COLUMNS = {
    "mvv_bps": "MVV/BPS t/m 3 nov",
    "webformulier_mid": "webformulier/MID vanaf 4 nov",
    "anders": "anders geregistreerd",
}


def registration_period(case: CaseFact) -> str:
    """Which column of figure 5 a melding counts in (rule documented in README (Reports))."""
    assert case.registered_at is not None
    if case.registered_at.date() < CUTOVER:
        return "mvv_bps" if case.imported and case.import_source in LEGACY_SYSTEMS else "anders"
    if not case.imported or case.channel in NEW_CHANNELS:
        return "webformulier_mid"
    return "anders"


def _year(moment: datetime | None) -> int | None:
    return moment.year if moment else None


def meldingen_table(facts: Facts, layout: Iterable[CategoryRow], year: int) -> Table:
    years = [year - 2, year - 1, year]
    split = year == CUTOVER.year
    by_year = Counter((c.category, _year(c.registered_at)) for c in facts.cases)
    by_period = Counter(
        (c.category, registration_period(c))
        for c in facts.cases
        if split and _year(c.registered_at) == year
    )
    periods = [p for p in PERIOD_COLUMNS if p != "anders" or any(k[1] == p for k in by_period)]
    columns = [str(y) for y in years] + ([PERIOD_COLUMNS[p] for p in periods] if split else [])
    rows = []
    for spec in layout:
        counts = [sum(by_year[(cat, y)] for cat in spec.categories) for y in years]
        parts = (
            [sum(by_period[(cat, p)] for cat in spec.categories) for p in periods] if split else []
        )
        if spec.only_if_counted and not any(counts):
            continue
        cells: list[Cell] = [_unless_absent(spec, y, n) for y, n in zip(years, counts, strict=True)]
        cells += [_unless_absent(spec, year, n) for n in parts]
        rows.append(Row(spec.key, spec.label, cells))
    notes = ["Geteld per jaar van registratie van de melding."]
    if split:
        notes.append(
            "Registratieperiode (figuur 5): t/m 3 november 2021 in MVV/BPS, "
            "vanaf 4 november 2021 via webformulier/MID."
        )
    return Table("meldingen", "Meldingen per categorie", columns, rows, notes).with_total()


def _unless_absent(spec: CategoryRow, year: int, count: int) -> int | None:
    """A row introduced later shows '-' for earlier years, unless data exists after all."""
    if spec.since_year is not None and year < spec.since_year and count == 0:
        return None
    return count


def onderzoeken_table(facts: Facts, year: int) -> Table:
    years = [year - 2, year - 1, year]
    started = Counter(_year(c.onderzoek_started_at) for c in facts.cases)
    ended = Counter(_year(c.onderzoek_ended_at) for c in facts.cases)
    established = Counter(_schending_year(facts, c) for c in facts.cases if c.schending_vastgesteld)
    rows = [
        Row("gestarte_onderzoeken", "Gestarte onderzoeken", [started[y] for y in years]),
        Row("afgeronde_onderzoeken", "Afgeronde onderzoeken", [ended[y] for y in years]),
        Row("schending_vastgesteld", "Schending vastgesteld", [established[y] for y in years]),
    ]
    notes = [
        "Interne onderzoeken met instellingsbeschikking: gestart en afgerond per jaar van begin en "
        "einde; een schending telt in het jaar waarin het onderzoek eindigde (zonder onderzoek: "
        "het jaar van het eerste besluit)."
    ]
    return Table("onderzoeken", "Interne onderzoeken", [str(y) for y in years], rows, notes)


def _schending_year(facts: Facts, case: CaseFact) -> int | None:
    if case.onderzoek_ended_at:
        return case.onderzoek_ended_at.year
    dates = [d.decided_at for d in facts.decisions if d.case_id == case.case_id and d.decided_at]
    return min(dates).year if dates else None


def _counted_decisions(facts: Facts, layout: AfdoeningLayout | None) -> list[tuple[Measure, int]]:
    """(measure, year) per betrokkene-measure, leaving out what the layout counts under another."""
    given: dict[tuple[str, str], set[Measure]] = {}
    for d in facts.decisions:
        given.setdefault((d.case_id, d.betrokkene_ref), set()).add(Measure(d.measure))
    out = []
    for d in facts.decisions:
        if d.decided_at is None:
            continue
        measure = Measure(d.measure)
        absorbers = layout.absorbed_by.get(measure, frozenset()) if layout else frozenset()
        if absorbers & given[(d.case_id, d.betrokkene_ref)]:
            continue
        out.append((measure, d.decided_at.year))
    return out


def _nog_geen_maatregel(facts: Facts, years: list[int]) -> Row:
    decided = {(d.case_id, d.betrokkene_ref) for d in facts.decisions}
    registered = {c.case_id: _year(c.registered_at) for c in facts.cases}
    waiting = Counter(
        registered.get(b.case_id) for b in facts.betrokkenen if (b.case_id, b.ref) not in decided
    )
    return Row("nog_geen_maatregel", NOG_GEEN_MAATREGEL, [waiting[y] for y in years])


def afdoening_table(facts: Facts, layout: AfdoeningLayout, year: int) -> Table:
    years = [year - 2, year - 1, year]
    counts = Counter((layout.row_of(m), y) for m, y in _counted_decisions(facts, layout))
    rows = [Row(r.label, r.label, [counts[(r.label, y)] for y in years]) for r in layout.rows]
    table = Table("afdoening", "Afdoening per maatregel", [str(y) for y in years], rows)
    table.with_total()
    table.rows.append(_nog_geen_maatregel(facts, years))
    table.notes = [
        "Per betrokkene per maatregel, in het jaar van het besluit; 'Nog geen maatregel': "
        "betrokkenen zonder besluit, in het jaar van registratie van de melding."
    ]
    return table


def defensie_summary_table(facts: Facts, year: int) -> Table:
    years = [year - 2, year - 1, year]
    counts: Counter[tuple[str, int]] = Counter()
    for measure, y in _counted_decisions(facts, None):
        row = defensie_summary_row(measure)
        counts[(row.value if row else "Geen maatregel", y)] += 1
    labels = ["Ontslagen", "Ambtsbericht of berisping", "Verplaatsing", "Andere maatregel"]
    rows = [Row(label, label, [counts[(label, y)] for y in years]) for label in labels]
    table = Table("afdoening_defensie", "Afdoening Defensie-breed", [str(y) for y in years], rows)
    table.with_total("Totaal maatregelen")
    table.rows.append(
        Row("Geen maatregel", "Geen maatregel", [counts[("Geen maatregel", y)] for y in years])
    )
    table.rows.append(_nog_geen_maatregel(facts, years))
    return table


def annual_report(
    facts: Facts, year: int, do: str | None = None, as_of: datetime | None = None
) -> Report:
    """Defensie-wide plus one section per DO, or only the section of `do`."""
    dos = [Defensieonderdeel(do)] if do else list(Defensieonderdeel)
    sections = [] if do else [_defensie_section(facts, year, as_of)]
    for d in dos:
        sub = facts.for_do(d.value)
        tables = [
            meldingen_table(sub, CATEGORY_LAYOUTS[d], year),
            onderzoeken_table(sub, year),
            afdoening_table(sub, AFDOENING_LAYOUTS[d], year),
            defensie_summary_table(sub, year),
            *leadtime_tables(sub, year, as_of),
        ]
        sections.append(Section(d.value, d.value, tables))
    title = f"Jaaroverzicht integriteit {year}" + (f" — {do}" if do else " — Defensie")
    notes = ["Levende zaken en geïmporteerde historische registraties tellen samen."]
    return Report(title, year, do, sections, notes)


def _defensie_section(facts: Facts, year: int, as_of: datetime | None) -> Section:
    tables = [
        meldingen_table(facts, DEFENSIE_CATEGORIES, year),
        onderzoeken_table(facts, year),
        defensie_summary_table(facts, year),
        *leadtime_tables(facts, year, as_of),
    ]
    return Section("Defensie", None, tables)
