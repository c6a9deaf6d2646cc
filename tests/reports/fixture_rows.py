"""Turns the published JID-2021 tables (tests/reports/fixtures) into legacy import rows.

The rows are built so that every published number is what the report must count:
CZSK meldingen per category and year, CZSK investigations and afdoening per year (on those same
cases), and figure 5 Defensie-wide (the CZSK 2021 meldingen plus the other DOs' meldingen,
split around the 3/4 November 2021 cutover).
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from itertools import cycle
from pathlib import Path

from reports.import_schema import COLUMNS

# Copied from the domain reference (shared/domain/fixtures) so that a clone tests itself.
FIXTURES = Path(__file__).resolve().parent / "fixtures"
YEARS = (2019, 2020, 2021)

# Measures that count in each row of the CZSK layout, used in turn so that every one is exercised.
CZSK_MEASURES = {
    "Ontslag": ["ontslag", "voorwaardelijk_ontslag"],
    "Berisping of ambtsbericht": ["berisping", "ambtsbericht"],
    "Gedwongen verplaatsing": ["verplaatsing"],
    "Overig maatregel": ["tuchtstraf", "leerafspraak"],
    "Geen maatregel": ["waarschuwingsbrief", "kennisgeving", "geen_maatregel"],
}
OTHER_DOS = [
    ("CLAS", "CLAS/11LMB", "MVV"),
    ("KMar", "KMar/LTP", "BPS"),
    ("CLSK", "CLSK/VLB", "MVV"),
    ("DOSCO", "DOSCO/JSG", "MVV"),
    ("DMO", "DMO/JIVC", "MVV"),
    ("BS", "BS/DS", "MVV"),
]


def published(name: str) -> list[dict[str, str]]:
    """A fixture table; comment lines start with '#'."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines))


def _count(cell: str) -> int:
    return int(cell) if cell.strip() else 0


class Case:
    def __init__(
        self,
        ref: str,
        do: str,
        unit: str,
        system: str,
        channel: str,
        category: str,
        registered: date,
    ) -> None:
        self.fields = {
            "case_ref": ref,
            "do": do,
            "unit": unit,
            "registered_on": registered.isoformat(),
            "system": system,
            "channel": channel,
            "category": category,
            "category_toelichting": "Toelichting" if category == "overig" else "",
            "onderzoek": "nee",
            "onderzoek_start": "",
            "onderzoek_end": "",
            "schending": "",
        }
        self.registered = registered
        self.measures: list[tuple[str, str, date]] = []

    def investigate(self, start: date, end: date) -> None:
        self.fields.update(
            onderzoek="ja",
            onderzoek_start=start.isoformat(),
            onderzoek_end=end.isoformat(),
            schending="ja",
        )

    def rows(self) -> list[dict[str, str]]:
        if not self.measures:
            return [{**self.fields, "betrokkene": "", "measure": "", "decided_on": ""}]
        return [
            {**self.fields, "betrokkene": ref, "measure": m, "decided_on": d.isoformat()}
            for ref, m, d in self.measures
        ]


def _day(year: int, i: int) -> date:
    """A registration day before 3 November: January to October."""
    return date(year, 1 + i % 10, 1 + i % 28)


def czsk_cases() -> dict[int, list[Case]]:
    by_year: dict[int, list[Case]] = {y: [] for y in YEARS}
    for row in published("jid2021_czsk_meldingen.csv"):
        for year in YEARS:
            for i in range(_count(row[str(year)])):
                ref = f"CZSK-{year}-{row['category']}-{i}"
                day = _day(year, len(by_year[year]))
                by_year[year].append(
                    Case(ref, "CZSK", "CZSK/Vloot", "MVV", "lijn", row["category"], day)
                )
    return by_year


def add_czsk_investigations_and_afdoening(by_year: dict[int, list[Case]]) -> list[Case]:
    """Returns extra cases registered before the window (investigations completed in it)."""
    table = {r["row"]: r for r in published("jid2021_czsk_onderzoeken_afdoening.csv")}
    earlier: list[Case] = []
    for year in YEARS:
        started = _count(table["gestarte_onderzoeken"][str(year)])
        completed = _count(table["afgeronde_onderzoeken"][str(year)])
        for case in by_year[year][: min(started, completed)]:
            case.investigate(case.registered + timedelta(7), case.registered + timedelta(37))
        for case in by_year[year][completed:started]:  # started this year, not yet completed
            case.investigate(case.registered + timedelta(7), date(year + 1, 3, 1))
        for i in range(completed - started):  # completed this year, started the year before
            old = Case(
                f"CZSK-{year - 1}-oud-{i}",
                "CZSK",
                "CZSK/Vloot",
                "MVV",
                "lijn",
                "interne_regels",
                date(year - 1, 5, 1),
            )
            old.investigate(date(year - 1, 6, 1), date(year, 2, 1))
            earlier.append(old)
        targets = cycle(by_year[year])
        for label, measures in CZSK_MEASURES.items():
            codes = cycle(measures)
            for _ in range(_count(table[label][str(year)])):
                case = next(targets)
                ref = f"B{len(case.measures) + 1}"
                case.measures.append((ref, next(codes), case.registered + timedelta(60)))
    return earlier


def figure5_cases(czsk_2021: list[Case]) -> list[Case]:
    """The other DOs' 2021 meldingen, so that Defensie-wide 2021 equals figure 5."""
    czsk_count: dict[str, int] = {}
    for case in czsk_2021:
        czsk_count[case.fields["category"]] = czsk_count.get(case.fields["category"], 0) + 1
    cases: list[Case] = []
    dos = cycle(OTHER_DOS)
    for row in published("jid2021_figuur5_meldingen.csv"):
        category = row["category"]
        for i in range(_count(row["mvv_bps_tm_3nov"]) - czsk_count.get(category, 0)):
            do, unit, system = next(dos)
            day = date(2021, 11, 3) if i == 0 else _day(2021, i)  # the last day of MVV/BPS
            cases.append(Case(f"F5-{category}-oud-{i}", do, unit, system, "lijn", category, day))
        for i in range(_count(row["webformulier_mid_vanaf_4nov"])):
            do, unit, _system = next(dos)
            day = date(2021, 11, 4) + timedelta(i % 50)  # from the first day of the webformulier
            channel = "webformulier" if i % 2 else "mid"
            cases.append(
                Case(f"F5-{category}-web-{i}", do, unit, "COID-register", channel, category, day)
            )
    return cases


def jid2021_rows() -> list[dict[str, str]]:
    by_year = czsk_cases()
    earlier = add_czsk_investigations_and_afdoening(by_year)
    cases = [c for y in YEARS for c in by_year[y]] + earlier + figure5_cases(by_year[2021])
    return [row for case in cases for row in case.rows()]


def to_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
