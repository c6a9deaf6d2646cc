"""Writing workflow transitions into the read model, inbox, phase visits, audit and outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from store_helpers import T0, apply, make_case, make_task, make_transition, row_counts

from domain.case import BetrokkeneState, Melding
from domain.phases import Phase, TaskType
from domain.transition import Notification
from store.db import as_utc, session_scope
from store.melding import save_melding_text
from store.models import (
    AuditEvent,
    Betrokkene,
    Case,
    MeasureDecision,
    OutboxNotification,
    PhaseVisit,
    Task,
)
from store.projection import OutOfOrderTransition

CASE = "ZK-2026-0001"


def test_first_transition_registers_the_case(engine: Engine) -> None:
    note = Notification(
        recipient_role="coid_adviseur", recipient_unit="CLAS", kind="task", text="Er is een taak"
    )
    case = make_case(tasks=[make_task(1)], betrokkenen=[BetrokkeneState(ref="B1")])
    assert apply(engine, make_transition(case, 1, notifications=[note, note])) is True

    with session_scope(engine) as session:
        row = session.get(Case, CASE)
        assert row is not None
        assert (row.do, row.unit, row.phase, row.status) == ("CLAS", "CLAS/11LMB", "intake", "open")
        assert row.policy_version == case.policy.version
        assert row.melder_contact is None  # the melding's text never comes from the workflow
        assert row.last_seq == 1
        assert as_utc(row.updated_at) == T0 + timedelta(hours=1)
        assert row.closed_at is None and row.schending_vastgesteld is None
        task = session.get(Task, f"{CASE}-T1")
        assert task is not None and task.status == "open" and task.assignees == ["adviseur-1"]
        outbox = session.exec(select(OutboxNotification).order_by(col(OutboxNotification.idx)))
        assert [(n.seq, n.idx) for n in outbox] == [(1, 0), (1, 1)]


def test_a_retried_transition_writes_nothing_twice(engine: Engine) -> None:
    case = make_case(tasks=[make_task(1)], betrokkenen=[BetrokkeneState(ref="B1")])
    note = Notification(recipient_role="commandant", recipient_unit="CLAS", kind="task", text="x")
    transition = make_transition(case, 1, notifications=[note])
    assert apply(engine, transition) is True
    before = row_counts(engine)

    assert apply(engine, transition) is False
    assert row_counts(engine) == before
    assert before["auditevent"] == 1 and before["outboxnotification"] == 1


def test_a_transition_that_overtakes_its_predecessor_is_refused(engine: Engine) -> None:
    with pytest.raises(OutOfOrderTransition, match="transition 2 arrived before transition 1"):
        apply(engine, make_transition(make_case(), 2, "taak_afgerond"))
    assert sum(row_counts(engine).values()) == 0

    assert apply(engine, make_transition(make_case(), 1)) is True
    assert apply(engine, make_transition(make_case(), 2, "taak_afgerond")) is True


def test_the_read_model_follows_the_latest_transition(engine: Engine) -> None:
    intake = make_task(1)
    apply(engine, make_transition(make_case(tasks=[intake]), 1))
    done = intake.model_copy(update={"status": "done", "completed_by": "adviseur-1"})
    keuze = make_task(2, TaskType.keuze_afhandeling, phase=Phase.keuze_afhandeling)
    b1 = BetrokkeneState(
        ref="B1",
        schending=True,
        maatregelen=["berisping", "leerafspraak"],
        besluit_at=T0 + timedelta(days=30),
    )
    b2 = BetrokkeneState(ref="B2", schending=False)
    state = make_case(phase=Phase.afdoening, tasks=[done, keuze], betrokkenen=[b1, b2])
    apply(engine, make_transition(state, 2, "besluit_afdoening"))

    with session_scope(engine) as session:
        tasks = {t.task_id: t.status for t in session.exec(select(Task))}
        assert tasks == {f"{CASE}-T1": "done", f"{CASE}-T2": "open"}
        people = {b.ref: b.schending for b in session.exec(select(Betrokkene))}
        assert people == {"B1": True, "B2": False}
        measures = session.exec(select(MeasureDecision)).all()
        assert {(m.betrokkene_ref, m.measure) for m in measures} == {
            ("B1", "berisping"),
            ("B1", "leerafspraak"),
        }
        assert all(as_utc(m.decided_at) == b1.besluit_at for m in measures)
        case = session.get(Case, CASE)
        assert case is not None and case.schending_vastgesteld is True

    # The measure decision is revised: only the leerafspraak remains.
    b1_revised = b1.model_copy(update={"maatregelen": ["leerafspraak"]})
    state = make_case(phase=Phase.bezwaar, tasks=[done, keuze], betrokkenen=[b1_revised, b2])
    apply(engine, make_transition(state, 3, "bezwaar_beslist"))
    with session_scope(engine) as session:
        assert [m.measure for m in session.exec(select(MeasureDecision))] == ["leerafspraak"]


def test_schending_is_only_denied_when_every_betrokkene_is_cleared(engine: Engine) -> None:
    undecided = [BetrokkeneState(ref="B1", schending=False), BetrokkeneState(ref="B2")]
    apply(engine, make_transition(make_case(betrokkenen=undecided), 1))
    with session_scope(engine) as session:
        assert session.get(Case, CASE).schending_vastgesteld is None  # type: ignore[union-attr]

    cleared = [
        BetrokkeneState(ref="B1", schending=False),
        BetrokkeneState(ref="B2", schending=False),
    ]
    apply(engine, make_transition(make_case(betrokkenen=cleared), 2))
    with session_scope(engine) as session:
        assert session.get(Case, CASE).schending_vastgesteld is False  # type: ignore[union-attr]


def test_phase_visits_record_when_a_case_entered_and_left_each_phase(engine: Engine) -> None:
    t = [T0 + timedelta(days=d) for d in (0, 3, 5, 40)]
    apply(engine, make_transition(make_case(), 1, at=t[0]))
    apply(engine, make_transition(make_case(phase=Phase.keuze_afhandeling), 2, at=t[1]))
    apply(engine, make_transition(make_case(phase=Phase.keuze_afhandeling), 3, at=t[2]))
    closed = make_case(phase=Phase.gesloten, status="gesloten", outcome="afgedaan")
    apply(engine, make_transition(closed, 4, "zaak_gesloten", at=t[3]))

    with session_scope(engine) as session:
        visits = session.exec(select(PhaseVisit).order_by(col(PhaseVisit.entered_at))).all()
        assert [(v.phase, as_utc(v.entered_at), as_utc(v.left_at)) for v in visits] == [
            ("intake", t[0], t[1]),
            ("keuze_afhandeling", t[1], t[3]),
            ("gesloten", t[3], None),
        ]
        case = session.get(Case, CASE)
        assert case is not None and case.status == "gesloten"
        assert as_utc(case.closed_at) == t[3] and case.last_seq == 4
        assert len(session.exec(select(AuditEvent)).all()) == 4


def test_times_from_another_time_zone_are_kept_as_the_same_moment(engine: Engine) -> None:
    amsterdam = timezone(timedelta(hours=1))
    due = datetime(2026, 3, 9, 17, 0, tzinfo=amsterdam)
    case = make_case(tasks=[make_task(1, due_at=due)])
    apply(engine, make_transition(case, 1, at=datetime(2026, 3, 2, 10, 0, tzinfo=amsterdam)))
    with session_scope(engine) as session:
        task = session.get(Task, f"{CASE}-T1")
        assert task is not None and as_utc(task.due_at) == due
        event = session.exec(select(AuditEvent)).one()
        assert as_utc(event.occurred_at) == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_melding_text_is_written_at_registration_and_kept(engine: Engine) -> None:
    melding = Melding(
        unit="CLAS/11LMB",
        category="ongewenste_omgangsvormen",
        channel="coid",
        melder_type="medewerker",
        melder_contact="06-12345678",
        description="Herhaaldelijk intimiderend gedrag",
    )
    save_melding_text(engine, case_id=CASE, melding=melding)
    apply(engine, make_transition(make_case(), 1))
    with session_scope(engine) as session:
        row = session.get(Case, CASE)
        assert row is not None and row.last_seq == 1
        assert (row.melder_contact, row.description) == ("06-12345678", melding.description)
