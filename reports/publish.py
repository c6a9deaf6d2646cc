"""The anonymised quarterly overview: category, DO, quarter, measure; small cells merged or hidden.

A cell below the minimum could point at one person. Within one DO and category such cells are
first merged into one "overige maatregelen" cell; if that is still below the minimum it is shown
as "<minimum" and never as a number. No totals are published, so a hidden cell cannot be
recovered by subtraction.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime

from domain.categories import Category
from domain.measures import Measure
from domain.roles import Defensieonderdeel
from reports.facts import Facts
from reports.layouts import AFDOENING_LAYOUTS, CATEGORY_LAYOUTS

DEFAULT_MINIMUM = 5
MERGED = "Overige maatregelen (samengevoegd)"
_QUARTER = re.compile(r"^(\d{4})-?[Qq](\d)$")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    def contains(self, moment: datetime) -> bool:
        return moment.year == self.year and (moment.month - 1) // 3 + 1 == self.number


def parse_quarter(text: str) -> Quarter:
    match = _QUARTER.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a quarter; write it as YEAR Q NUMBER, e.g. 2021Q4")
    year, number = int(match[1]), int(match[2])
    if not 1 <= number <= 4:
        raise ValueError(f"'{text}': a year has quarters 1 to 4, e.g. {year}Q4")
    return Quarter(year, number)


@dataclass
class PublicationRow:
    category: str
    do: str
    quarter: str
    measure: str
    count: int | str  # str: suppressed, e.g. "<5"


@dataclass
class Publication:
    quarter: str
    minimum: int
    rows: list[PublicationRow]
    notes: list[str] = field(default_factory=list)
    merged_cells: int = 0
    suppressed_cells: int = 0


def _labels(do: Defensieonderdeel, category: str, measure: str) -> tuple[str, str]:
    cat = next(r.label for r in CATEGORY_LAYOUTS[do] if Category(category) in r.categories)
    return cat, AFDOENING_LAYOUTS[do].row_of(Measure(measure))


def publication(facts: Facts, quarter: Quarter, minimum: int = DEFAULT_MINIMUM) -> Publication:
    if minimum < 1:
        raise ValueError("the minimum cell size must be at least 1")
    cases = {c.case_id: c for c in facts.cases}
    given: dict[tuple[str, str], set[Measure]] = {}
    for d in facts.decisions:
        given.setdefault((d.case_id, d.betrokkene_ref), set()).add(Measure(d.measure))
    cells: Counter[tuple[str, str, str]] = Counter()
    for d in facts.decisions:
        if d.decided_at is None or not quarter.contains(d.decided_at):
            continue
        case = cases[d.case_id]
        do = Defensieonderdeel(case.do)
        absorbers = AFDOENING_LAYOUTS[do].absorbed_by.get(Measure(d.measure), frozenset())
        if absorbers & given[(d.case_id, d.betrokkene_ref)]:
            continue
        category, measure = _labels(do, case.category, d.measure)
        cells[(do.value, category, measure)] += 1
    pub = Publication(quarter.label, minimum, [])
    groups: dict[tuple[str, str], dict[str, int]] = {}
    for (do_name, category, measure), n in cells.items():
        groups.setdefault((do_name, category), {})[measure] = n
    for (do_name, category), measures in sorted(groups.items()):
        _protect(pub, do_name, category, measures)
    pub.notes = _notes(pub)
    return pub


def _protect(pub: Publication, do: str, category: str, measures: dict[str, int]) -> None:
    small = {m: n for m, n in measures.items() if n < pub.minimum}
    for measure, n in sorted(measures.items()):
        if measure not in small:
            pub.rows.append(PublicationRow(category, do, pub.quarter, measure, n))
    if not small:
        return
    merged = sum(small.values())
    if len(small) > 1:
        pub.merged_cells += len(small)
    if merged >= pub.minimum:
        pub.rows.append(PublicationRow(category, do, pub.quarter, MERGED, merged))
    else:
        pub.suppressed_cells += 1
        # even a lone small cell loses its measure name: "ontslag, <5" could point at a person
        pub.rows.append(PublicationRow(category, do, pub.quarter, MERGED, f"<{pub.minimum}"))


def _notes(pub: Publication) -> list[str]:
    notes = [
        f"Afdoening per betrokkene per maatregel, besloten in {pub.quarter}. Geen namen, geen data "
        "fijner dan het kwartaal, geen totalen."
    ]
    if pub.merged_cells:
        notes.append(
            f"{pub.merged_cells} cellen met minder dan {pub.minimum} zijn samengevoegd tot "
            f"'{MERGED}'."
        )
    if pub.suppressed_cells:
        notes.append(
            f"{pub.suppressed_cells} cellen met minder dan {pub.minimum} zijn onderdrukt en "
            f"weergegeven als '<{pub.minimum}'."
        )
    if not pub.rows:
        notes.append("Geen besluiten in dit kwartaal.")
    return notes


def render_publication(pub: Publication, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(asdict(pub), ensure_ascii=False, indent=2)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["categorie", "defensieonderdeel", "kwartaal", "maatregel", "aantal"])
        for r in pub.rows:
            writer.writerow([r.category, r.do, r.quarter, r.measure, r.count])
        return buffer.getvalue() + "".join(f"# {n}\n" for n in pub.notes)
    if fmt == "md":
        out = [f"# Integriteit: afdoening {pub.quarter}", ""]
        out += ["| categorie | DO | kwartaal | maatregel | aantal |", "|---|---|---|---|---:|"]
        out += [
            f"| {r.category} | {r.do} | {r.quarter} | {r.measure} | {r.count} |" for r in pub.rows
        ]
        return "\n".join(out + [""] + [f"_{n}_" for n in pub.notes]) + "\n"
    raise ValueError(f"unknown format '{fmt}' (known: md, csv, json)")
