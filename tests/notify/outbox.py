"""Outbox rows as the write path leaves them, written straight into a store for the tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from store.db import session_scope
from store.models import Case, OutboxNotification

_seq = itertools.count(1)


def add_case(engine: Engine, case_id: str, melder_contact: str | None = None) -> None:
    with session_scope(engine) as session:
        session.add(
            Case(
                case_id=case_id,
                do="CLAS",
                unit="CLAS/11LMB",
                category="ongewenste_omgangsvormen",
                channel="webformulier",
                melder_type="anoniem" if melder_contact is None else "medewerker",
                melder_contact=melder_contact,
                phase="intake",
                description="Geheime inhoud die nooit in een bericht mag staan.",
            )
        )


def add_note(
    engine: Engine,
    case_id: str,
    role: str,
    kind: str = "nieuwe_taak",
    *,
    sub: str | None = None,
    unit: str = "CLAS/11LMB",
    text: str | None = None,
) -> tuple[str, int, int]:
    seq = next(_seq)
    with session_scope(engine) as session:
        session.add(
            OutboxNotification(
                case_id=case_id,
                seq=seq,
                idx=0,
                recipient_role=role,
                recipient_unit=unit,
                recipient_sub=sub,
                kind=kind,
                text=text or f"Er is een taak voor u in zaak {case_id}.",
                created_at=datetime.now(UTC),
            )
        )
    return case_id, seq, 0
