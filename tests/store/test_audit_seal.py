"""A timeline rewritten by someone who holds the database but not the audit key is caught."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from store_helpers import T0, make_case

from domain.rows import CaseRows
from domain.transition import AuditEventIn, CaseStep, StepEvent
from store.audit import CHECKPOINT_EVERY, ChainVerification, verify_chain
from store.audit_hash import stored_event_hash
from store.db import session_scope
from store.models import AuditCheckpoint, AuditEvent
from store.steps import apply_step

CASE = "ZK-2026-0001"
EVENTS = 12


def step(first: int, count: int, *, written: CaseRows | None = None) -> CaseStep:
    case = make_case(CASE)
    events = [
        StepEvent(
            seq=seq,
            event=AuditEventIn(
                event_type="taak_afgerond" if seq > 1 else "melding_geregistreerd",
                occurred_at=T0 + timedelta(hours=seq),
                actor_sub="adviseur-1",
                details={"n": seq},
            ),
            phase=str(case.phase),
        )
        for seq in range(first, first + count)
    ]
    return CaseStep(case_id=CASE, events=events, rows=CaseRows.of(case).changes_since(written))


@pytest.fixture
def recorded(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        apply_step(session, step(1, 3))
    rows = CaseRows.of(make_case(CASE))
    for first in range(4, EVENTS + 1, 3):
        with session_scope(engine) as session:
            apply_step(session, step(first, 3, written=rows))
    return engine


def verify(engine: Engine, **kw: int) -> ChainVerification:
    with Session(engine) as session:
        return verify_chain(session, CASE, **kw)  # type: ignore[arg-type]


def tamper(engine: Engine, sql: str, **params: object) -> None:
    with engine.begin() as connection:
        connection.execute(text(sql), params)


def recompute_chain_from(engine: Engine, seq: int) -> None:
    """What an attacker with database access does: rehash and relink every later event."""
    with session_scope(engine) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.case_id == CASE).order_by(col(AuditEvent.seq))
        ).all()
        previous = None
        for event in events:
            if event.seq >= seq:
                event.prev_hash = previous.hash if previous else event.prev_hash
                event.hash = stored_event_hash(event)
                session.add(event)
            previous = event


def test_a_sealed_timeline_verifies_with_checkpoints(recorded: Engine) -> None:
    result = verify(recorded)
    assert result.ok, result.reason
    assert result.events == EVENTS
    with Session(recorded) as session:
        points = session.exec(select(AuditCheckpoint.seq)).all()
    assert list(points) == [CHECKPOINT_EVERY]


def test_an_edited_event_with_a_recomputed_chain_is_caught(recorded: Engine) -> None:
    tamper(recorded, "UPDATE auditevent SET actor_sub = 'someone-else' WHERE seq = 5")
    recompute_chain_from(recorded, 5)
    result = verify(recorded)
    assert not result.ok and result.first_broken_seq == 5
    assert "without the audit key" in result.reason


def test_deleting_the_last_event_and_lowering_last_seq_is_caught(recorded: Engine) -> None:
    tamper(recorded, f"DELETE FROM auditevent WHERE seq = {EVENTS}")
    tamper(recorded, f'UPDATE "case" SET last_seq = {EVENTS - 1}')
    result = verify(recorded)
    assert not result.ok and result.first_broken_seq == EVENTS
    assert "signed head" in result.reason


def test_truncating_past_a_checkpoint_is_caught_even_without_the_head(recorded: Engine) -> None:
    tamper(recorded, f"DELETE FROM auditevent WHERE seq >= {CHECKPOINT_EVERY}")
    tamper(recorded, f'UPDATE "case" SET last_seq = {CHECKPOINT_EVERY - 1}')
    tamper(recorded, "DELETE FROM audithead")
    result = verify(recorded)
    assert not result.ok and result.first_broken_seq == CHECKPOINT_EVERY
    assert "checkpoint" in result.reason


def test_deleting_the_checkpoints_and_the_head_too_is_caught(recorded: Engine) -> None:
    tamper(recorded, f"DELETE FROM auditevent WHERE seq >= {CHECKPOINT_EVERY}")
    tamper(recorded, f'UPDATE "case" SET last_seq = {CHECKPOINT_EVERY - 1}')
    tamper(recorded, "DELETE FROM audithead")
    tamper(recorded, "DELETE FROM auditcheckpoint")
    result = verify(recorded)
    assert not result.ok
    assert "head" in result.reason


def test_a_timeline_behind_its_workflow_is_caught(recorded: Engine) -> None:
    assert verify(recorded, workflow_seq=EVENTS).ok
    result = verify(recorded, workflow_seq=EVENTS + 2)
    assert not result.ok and result.first_broken_seq == EVENTS + 1
    assert f"workflow has recorded {EVENTS + 2} events" in result.reason


def test_the_seal_depends_on_the_key(recorded: Engine) -> None:
    with Session(recorded) as session:
        result = verify_chain(session, CASE, key=b"k" * 32)
    assert not result.ok and result.first_broken_seq == 1
