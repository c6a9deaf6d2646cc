"""CSV schema of a legacy registration file: a row per betrokkene-measure (README, Reports).

Parsing collects every error of every line; nothing here touches the database.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import (
    BaseModel,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from domain.categories import Category, Channel
from domain.measures import Measure
from domain.roles import Defensieonderdeel, defensieonderdeel_of

COLUMNS = (
    "case_ref",
    "do",
    "unit",
    "registered_on",
    "system",
    "channel",
    "category",
    "category_toelichting",
    "onderzoek",
    "onderzoek_start",
    "onderzoek_end",
    "schending",
    "betrokkene",
    "measure",
    "decided_on",
)
REQUIRED = frozenset({"case_ref", "do", "unit", "registered_on", "system", "category"})
# Case-level columns: every row of one case must repeat the same values.
CASE_COLUMNS = COLUMNS[: COLUMNS.index("betrokkene")]

SYSTEMS: dict[str, str] = {
    "mvv": "MVV/PSMV",
    "psmv": "MVV/PSMV",
    "mvv/psmv": "MVV/PSMV",
    "coid": "COID-register",
    "coid-register": "COID-register",
    "bps": "BPS",
}
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")
_YES = {"ja": True, "j": True, "yes": True, "true": True, "1": True}
_NO = {"nee": False, "n": False, "no": False, "false": False, "0": False}


def _known(values: object) -> str:
    return ", ".join(str(v) for v in values)  # type: ignore[attr-defined]


class ImportRow(BaseModel):
    """One line of the file, typed. Empty optional cells arrive as None."""

    line: int
    case_ref: str
    do: Defensieonderdeel
    unit: str
    registered_on: date
    system: str
    channel: str | None = None
    category: Category
    category_toelichting: str | None = None
    onderzoek: bool = False
    onderzoek_start: date | None = None
    onderzoek_end: date | None = None
    schending: bool | None = None
    betrokkene: str | None = None
    measure: Measure | None = None
    decided_on: date | None = None

    @field_validator("case_ref", "betrokkene")
    @classmethod
    def _reference(cls, value: str | None) -> str | None:
        if value is not None and not _REF.match(value):
            raise ValueError(
                f"'{value}' is not a usable reference (letters, digits, '.', '_', '-'; max 60)"
            )
        return value

    @field_validator("do", mode="before")
    @classmethod
    def _do(cls, value: str | None) -> Defensieonderdeel | None:
        if value is None:
            return value
        for do in Defensieonderdeel:
            if do.value.lower() == value.lower():
                return do
        raise ValueError(
            f"'{value}' is not a defensieonderdeel (known: {_known(list(Defensieonderdeel))})"
        )

    @field_validator("system", mode="before")
    @classmethod
    def _system(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if value.lower() not in SYSTEMS:
            raise ValueError(
                f"'{value}' is not a known legacy system (known: MVV/PSMV, COID-register, BPS)"
            )
        return SYSTEMS[value.lower()]

    @field_validator("channel", mode="before")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and value not in Channel.__members__:
            raise ValueError(f"'{value}' is not a known channel (known: {_known(list(Channel))})")
        return value

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if value not in Category.__members__:
            raise ValueError(
                f"'{value}' is not a known category code (known: {_known(list(Category))})"
            )
        return value

    @field_validator("measure", mode="before")
    @classmethod
    def _measure(cls, value: str | None) -> str | None:
        if value is not None and value not in Measure.__members__:
            raise ValueError(
                f"'{value}' is not a known measure code (known: {_known(list(Measure))})"
            )
        return value

    @field_validator("onderzoek", "schending", mode="before")
    @classmethod
    def _yes_no(cls, value: str | None, info: ValidationInfo) -> bool | None:
        if value is None:
            return False if info.field_name == "onderzoek" else None
        answer = _YES.get(value.lower(), _NO.get(value.lower()))
        if answer is None:
            raise ValueError(f"'{value}' is not ja or nee")
        return answer

    @model_validator(mode="after")
    def _consistent(self) -> ImportRow:
        problems: list[str] = []
        if defensieonderdeel_of_safe(self.unit) is not self.do:
            problems.append(f"unit '{self.unit}' does not belong to {self.do.value}")
        if self.category is Category.overig and not self.category_toelichting:
            problems.append("category 'overig' needs a category_toelichting")
        if self.onderzoek and self.onderzoek_start is None:
            problems.append("onderzoek is 'ja' but onderzoek_start is empty")
        if not self.onderzoek and (self.onderzoek_start or self.onderzoek_end):
            problems.append("onderzoek dates given but onderzoek is not 'ja'")
        if (
            self.onderzoek_start
            and self.onderzoek_end
            and self.onderzoek_end < self.onderzoek_start
        ):
            problems.append("onderzoek_end lies before onderzoek_start")
        if self.measure is not None and self.betrokkene is None:
            problems.append("a measure needs the betrokkene it was decided for")
        if (self.measure is None) != (self.decided_on is None):
            problems.append("measure and decided_on go together: give both or neither")
        if self.decided_on and self.decided_on < self.registered_on:
            problems.append("decided_on lies before registered_on")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def case_values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, c) for c in CASE_COLUMNS)


def defensieonderdeel_of_safe(unit: str) -> Defensieonderdeel | None:
    try:
        return defensieonderdeel_of(unit)
    except ValueError:
        return None


@dataclass
class ParsedFile:
    rows: list[ImportRow]
    errors: list[str]


def parse_file(text: str, progress: Callable[[int], None] | None = None) -> ParsedFile:
    """Every row typed, or every error with its line number. '#' starts a comment line."""
    lines = text.lstrip("\ufeff").splitlines()
    numbered = [(n, ln) for n, ln in enumerate(lines, 1) if ln.strip() and not ln.startswith("#")]
    if not numbered:
        return ParsedFile([], ["line 1: the file has no header and no rows"])
    header_line, header_text = numbered[0]
    header = [h.strip().lower() for h in next(csv.reader([header_text]))]
    errors = _header_errors(header_line, header)
    if errors:
        return ParsedFile([], errors)
    rows: list[ImportRow] = []
    for count, (number, raw) in enumerate(numbered[1:], 1):
        cells = next(csv.reader([raw]))
        if len(cells) != len(header):
            errors.append(f"line {number}: {len(cells)} cells, the header has {len(header)}")
            continue
        values = {h: (c.strip() or None) for h, c in zip(header, cells, strict=True)}
        try:
            rows.append(ImportRow.model_validate({"line": number, **values}))
        except ValidationError as exc:
            errors.extend(_describe(number, exc))
        if progress and count % 500 == 0:
            progress(count)
    if not rows and not errors:
        errors.append(f"line {header_line}: the file has a header but no rows")
    errors.extend(cross_row_errors(rows))
    return ParsedFile(rows, errors)


def _header_errors(line: int, header: list[str]) -> list[str]:
    errors = []
    missing = [c for c in COLUMNS if c in REQUIRED and c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing:
        errors.append(f"line {line}: missing column(s): {', '.join(missing)}")
    if unknown:
        errors.append(
            f"line {line}: unknown column(s): {', '.join(unknown)} (known: {', '.join(COLUMNS)})"
        )
    if len(set(header)) != len(header):
        errors.append(f"line {line}: a column appears twice")
    return errors


def _describe(line: int, exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        column = ".".join(str(p) for p in err["loc"])
        cause = err.get("ctx", {}).get("error")
        message = str(cause) if cause is not None else err["msg"]
        if err["type"] == "missing" or err.get("input", "") is None:
            message = "is required but empty"
        out.append(f"line {line}: {column + ' ' if column else ''}{message}".replace("  ", " "))
    return out


def cross_row_errors(rows: list[ImportRow]) -> list[str]:
    """One case's rows must agree; a betrokkene-measure appears once."""
    errors: list[str] = []
    first_of_case: dict[str, ImportRow] = {}
    seen: dict[tuple[str, str | None, Measure | None], int] = {}
    measures_of: dict[tuple[str, str], set[Measure]] = {}
    for row in rows:
        first = first_of_case.setdefault(row.case_ref, row)
        for column, mine, theirs in zip(
            CASE_COLUMNS, row.case_values(), first.case_values(), strict=True
        ):
            if mine != theirs:
                errors.append(
                    f"line {row.line}: case '{row.case_ref}' has {column} '{mine}' "
                    f"but line {first.line} says '{theirs}'"
                )
        key = (row.case_ref, row.betrokkene, row.measure)
        if key in seen:
            errors.append(f"line {row.line}: repeats line {seen[key]}")
        seen.setdefault(key, row.line)
        if row.betrokkene and row.measure:
            given = measures_of.setdefault((row.case_ref, row.betrokkene), set())
            given.add(row.measure)
            if Measure.geen_maatregel in given and len(given) > 1:
                errors.append(
                    f"line {row.line}: betrokkene '{row.betrokkene}' has 'geen_maatregel' "
                    "together with another measure"
                )
    return errors
