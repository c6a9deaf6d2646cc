"""Import of closed cases from the legacy registrations: all rows valid, or nothing written."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from domain.phases import Phase
from reports.import_schema import COLUMNS, ImportRow, parse_file
from store.db import as_utc, session_scope
from store.models import Betrokkene, Case, ImportBatch, MeasureDecision

CASE_PREFIX = "IMP-"
Progress = Callable[[str], None]


class ImportRejected(Exception):
    """The file was not imported; `errors` holds every problem, each with its line number."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} error(s); nothing was imported")
        self.errors = errors


@dataclass
class ImportResult:
    already_imported: bool
    fingerprint: str
    imported_at: datetime
    rows: int
    cases: int
    betrokkenen: int = 0
    decisions: int = 0
    messages: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.already_imported:
            return f"already imported on {self.imported_at:%Y-%m-%d %H:%M} UTC, nothing added"
        return (
            f"imported {self.rows} rows: {self.cases} cases, {self.betrokkenen} betrokkenen, "
            f"{self.decisions} measures"
        )


def fingerprint(rows: list[ImportRow]) -> str:
    """sha256 of the rows as parsed: the same content is the same file, whatever the layout."""
    lines = sorted("\x1f".join(_norm(getattr(r, c)) for c in COLUMNS) for r in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _norm(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _utc(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def import_csv(
    engine: Engine,
    text: str,
    filename: str,
    imported_by: str,
    progress: Progress | None = None,
) -> ImportResult:
    say = progress or (lambda _msg: None)
    parsed = parse_file(text, lambda n: say(f"validated {n} rows"))
    if parsed.errors:
        raise ImportRejected(parsed.errors)
    say(f"validated {len(parsed.rows)} rows")
    print_ = fingerprint(parsed.rows)
    with Session(engine) as session:
        earlier = _batch(session, print_)
        if earlier is not None:
            return _already(earlier)
        clashes = _existing_cases(session, parsed.rows)
    if clashes:
        raise ImportRejected(clashes)
    try:
        return _write(engine, parsed.rows, print_, filename, imported_by, say)
    except IntegrityError:
        # the same file imported concurrently: the other import won
        with Session(engine) as session:
            earlier = _batch(session, print_)
        if earlier is None:
            raise
        return _already(earlier)


def _batch(session: Session, print_: str) -> ImportBatch | None:
    return session.exec(select(ImportBatch).where(ImportBatch.fingerprint == print_)).first()


def _already(batch: ImportBatch) -> ImportResult:
    when = as_utc(batch.imported_at) or datetime.now(UTC)
    return ImportResult(True, batch.fingerprint, when, batch.rows, batch.cases)


def _existing_cases(session: Session, rows: list[ImportRow]) -> list[str]:
    wanted = {CASE_PREFIX + r.case_ref for r in rows}
    found: set[str] = set()
    ids = sorted(wanted)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(session.exec(select(Case.case_id).where(col(Case.case_id).in_(chunk))).all())
    reported: set[str] = set()
    errors = []
    for row in rows:
        case_id = CASE_PREFIX + row.case_ref
        if case_id in found and case_id not in reported:
            reported.add(case_id)
            errors.append(f"line {row.line}: case {case_id} already exists (an earlier import)")
    return errors


def _write(
    engine: Engine,
    rows: list[ImportRow],
    print_: str,
    filename: str,
    imported_by: str,
    say: Progress,
) -> ImportResult:
    now = datetime.now(UTC)
    by_case: dict[str, list[ImportRow]] = {}
    for row in rows:
        by_case.setdefault(row.case_ref, []).append(row)
    result = ImportResult(False, print_, now, len(rows), len(by_case))
    with session_scope(engine) as session:
        session.add(
            ImportBatch(
                fingerprint=print_,
                filename=filename,
                imported_by=imported_by,
                imported_at=now,
                rows=len(rows),
                cases=len(by_case),
            )
        )
        session.flush()  # a concurrent duplicate fails here, before any case is added
        for done, (ref, case_rows) in enumerate(by_case.items(), 1):
            b, d = _add_case(session, ref, case_rows, print_)
            result.betrokkenen += b
            result.decisions += d
            if done % 500 == 0:
                say(f"written {done}/{len(by_case)} cases")
    say(f"written {len(by_case)}/{len(by_case)} cases")
    return result


def _add_case(session: Session, ref: str, rows: list[ImportRow], batch: str) -> tuple[int, int]:
    first = rows[0]
    decided = [r.decided_on for r in rows if r.decided_on]
    ends = [d for d in (first.onderzoek_end, *decided) if d]
    case_id = CASE_PREFIX + ref
    session.add(
        Case(
            case_id=case_id,
            do=first.do.value,
            unit=first.unit,
            category=first.category.value,
            category_toelichting=first.category_toelichting,
            channel=first.channel or "onbekend",
            melder_type="onbekend",
            phase=Phase.gesloten.value,
            status="gesloten",
            outcome="afgedaan",
            schending_vastgesteld=first.schending,
            registered_at=_utc(first.registered_on),
            closed_at=_utc(max(ends, default=first.registered_on)),
            onderzoek_started_at=_utc(first.onderzoek_start),
            onderzoek_ended_at=_utc(first.onderzoek_end),
            imported=True,
            import_source=first.system,
            import_batch=batch,
        )
    )
    session.flush()  # the case row must exist before rows that reference it (foreign keys)
    people: dict[str, list[ImportRow]] = {}
    for row in rows:
        if row.betrokkene:
            people.setdefault(row.betrokkene, []).append(row)
    decisions = 0
    for person, person_rows in people.items():
        dates = [r.decided_on for r in person_rows if r.decided_on]
        session.add(
            Betrokkene(
                case_id=case_id,
                ref=person,
                in_onderzoek=first.onderzoek,
                schending=first.schending,
                besluit_at=_utc(max(dates)) if dates else None,
            )
        )
        for row in person_rows:
            if row.measure is not None:
                decisions += 1
                session.add(
                    MeasureDecision(
                        case_id=case_id,
                        betrokkene_ref=person,
                        measure=row.measure.value,
                        decided_at=_utc(row.decided_on),
                    )
                )
    return len(people), decisions
