"""The melding's own words: written to the store at registration, never into Temporal."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from domain.case import Melding
from domain.phases import Phase
from domain.roles import defensieonderdeel_of
from domain.rows import CaseRow
from store.db import session_scope
from store.models import Case


def save_melding_text(engine: Engine, *, case_id: str, melding: Melding) -> None:
    """Store the description, contact and toelichting before the case's workflow starts.

    The workflow only carries the melding's facts; its first write fills in the rest of the
    row. Saving the same melding again (a retried registration) changes nothing.
    """
    try:
        _save(engine, case_id, melding)
    except IntegrityError:  # the same registration, retried at the same moment, came first
        _save(engine, case_id, melding)


def _save(engine: Engine, case_id: str, melding: Melding) -> None:
    with session_scope(engine) as session:
        row = session.get(Case, case_id)
        if row is None:
            row = Case(case_id=case_id, **_placeholder(melding).model_dump())
        row.description = melding.description
        row.melder_contact = melding.melder_contact
        row.category_toelichting = melding.category_toelichting
        session.add(row)


def _placeholder(melding: Melding) -> CaseRow:
    """Until the workflow's first write the row says what registration knows."""
    return CaseRow(
        do=defensieonderdeel_of(melding.unit).value,
        unit=melding.unit,
        category=str(melding.category),
        channel=str(melding.channel),
        melder_type=str(melding.melder_type),
        variant="standaard",
        policy_version="",
        phase=str(Phase.intake),
        status="open",
        registered_at=datetime.now(UTC),
    )


def forget_melding_text(session: Session, case_id: str) -> None:
    """A registration whose workflow never started leaves no text behind."""
    row = session.get(Case, case_id)
    if row is not None and row.last_seq == 0:
        session.delete(row)
