"""Group commit of concurrent steps (store/group_commit.py, activities/record.py; issue 8 item 7).

Steps of different cases that arrive while a commit is in progress share one transaction and
one commit, each in its own savepoint; a step that fails there is written again on its own, with
the single-step rules. Each test holds a commit open (a "gate" write) until the steps under test
are all queued behind it, so that they are written together by the next leader.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from sqlalchemy import event, func
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select
from store_helpers import make_case, make_task
from temporalio.exceptions import ApplicationError
from test_phantom_steps import PHANTOM_AT, T1, T2, TRUE_AT, Flow, complete, completed

from activities.record import WRITE_FAILED, StoreActivities
from domain.rows import CaseRows
from domain.transition import AuditEventIn, CaseStep, StepEvent
from store.audit import verify_chain
from store.models import AuditEvent, Case, ProjectionFailure, Task
from store.phantoms import StaleStep

DEADLINE = 30.0  # only against a hang; nothing here is timed


def first_step(case_id: str, *, tasks: list[Any] | None = None) -> CaseStep:
    case = make_case(case_id, tasks=tasks if tasks is not None else [make_task(1, case_id=case_id)])
    event_in = AuditEventIn(event_type="melding_geregistreerd", occurred_at=case.registered_at)
    return CaseStep(
        case_id=case_id,
        events=[StepEvent(seq=1, event=event_in, phase="intake")],
        rows=CaseRows.of(case).everything(),
    )


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, "the group commit hung"
        time.sleep(0.005)


@contextmanager
def commits(engine: Engine, *, fail: int | None = None) -> Iterator[list[int]]:
    """Counts the database's commits; ``fail``: the n-th (1-based) of them fails."""
    counted: list[int] = []

    def on_commit(_conn: Connection) -> None:
        counted.append(1)
        if len(counted) == fail:
            raise RuntimeError("the disk is full")

    event.listen(engine, "commit", on_commit)
    try:
        yield counted
    finally:
        event.remove(engine, "commit", on_commit)


def record_together(store: StoreActivities, steps: list[CaseStep]) -> list[Any]:
    """Records ``steps`` from one thread each, all queued behind a commit held open: the
    result of each (True/False) or the exception it raised."""
    held, release = threading.Event(), threading.Event()

    def hold(session: Session) -> bool:
        session.connection()  # a transaction on every database, so a commit to count
        held.set()
        return release.wait(DEADLINE)

    gate = threading.Thread(target=store.group.write, args=("gate", hold))
    gate.start()
    until(held.is_set)
    results: list[Any] = [None] * len(steps)

    def record(i: int) -> None:
        try:
            results[i] = store.record_step(steps[i])
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=record, args=(i,)) for i in range(len(steps))]
    for n, thread in enumerate(threads, start=1):
        thread.start()
        until(partial(queued, store, n))  # queued in this order
    release.set()
    for thread in [gate, *threads]:
        thread.join(DEADLINE)
        assert not thread.is_alive()
    return results


def queued(store: StoreActivities, n: int) -> bool:
    return store.group.waiting == n


def events_of(engine: Engine, case_id: str) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case_id)
        ).one()


def test_steps_of_many_cases_arriving_during_a_commit_share_one_commit(engine: Engine) -> None:
    store = StoreActivities(engine)
    steps = [first_step(f"ZK-G-{n}") for n in range(12)]

    with commits(engine) as counted:
        results = record_together(store, steps)

    assert results == [True] * 12
    assert len(counted) == 2  # the gate's commit, then one for all twelve steps
    with Session(engine) as session:
        for step in steps:
            assert verify_chain(session, step.case_id, workflow_seq=1).ok
        assert len(session.exec(select(Task)).all()) == 12


def test_a_lone_step_is_written_at_once_in_its_own_commit(engine: Engine) -> None:
    store = StoreActivities(engine)
    with commits(engine) as counted:
        assert store.record_step(first_step("ZK-G-1")) is True
        assert store.record_step(first_step("ZK-G-2")) is True
    assert len(counted) == 2
    assert store.group.waiting == 0


def test_a_bad_step_fails_alone_and_the_others_are_recorded(engine: Engine) -> None:
    store = StoreActivities(engine)
    assert store.record_step(first_step("ZK-OWNER"))
    # Its task id is one of another case's: the case row is written, then the task is refused.
    stolen = make_task(1, case_id="ZK-OWNER")
    bad = first_step("ZK-BAD", tasks=[stolen])
    good = [first_step("ZK-G-1"), first_step("ZK-G-2")]

    results = record_together(store, [good[0], bad, good[1]])

    assert results[0] is True and results[2] is True
    failure = results[1]
    assert isinstance(failure, ApplicationError) and failure.type == WRITE_FAILED
    assert failure.non_retryable
    with Session(engine) as session:
        # The bad step's savepoint was rolled back: not even its case row remains.
        assert session.get(Case, "ZK-BAD") is None
        assert session.get(Case, "ZK-G-1") is not None
        assert session.get(Case, "ZK-G-2") is not None
        flagged = session.exec(select(ProjectionFailure)).all()
        assert [(f.case_id, f.seq) for f in flagged] == [("ZK-BAD", 1)]
    assert events_of(engine, "ZK-BAD") == 0
    assert events_of(engine, "ZK-G-1") == events_of(engine, "ZK-G-2") == 1


def test_a_retried_step_in_a_batch_writes_nothing(engine: Engine) -> None:
    store = StoreActivities(engine)
    recorded = first_step("ZK-G-1")
    assert store.record_step(recorded) is True

    with commits(engine) as counted:
        results = record_together(store, [recorded, first_step("ZK-G-2")])

    assert results == [False, True]
    assert len(counted) == 2
    assert events_of(engine, "ZK-G-1") == 1
    with Session(engine) as session:
        assert verify_chain(session, "ZK-G-1", workflow_seq=1).ok


def test_two_steps_of_one_case_never_share_a_batch(engine: Engine) -> None:
    """A zombie worker and its successor may write the same step at once: the second waits
    for the next batch, finds the first's events and writes nothing."""
    store = StoreActivities(engine)
    twice = first_step("ZK-G-1")

    with commits(engine) as counted:
        results = record_together(store, [twice, first_step("ZK-G-2"), twice])

    assert results == [True, True, False]
    assert len(counted) == 3  # the gate, then both cases, then the second copy alone
    assert events_of(engine, "ZK-G-1") == 1


def test_a_failed_commit_falls_back_to_one_write_per_step(engine: Engine) -> None:
    store = StoreActivities(engine)
    steps = [first_step(f"ZK-G-{n}") for n in range(4)]

    with commits(engine, fail=2) as counted:  # the gate commits, the batch's commit fails
        results = record_together(store, steps)

    assert results == [True] * 4
    assert len(counted) == 2 + 4  # the gate, the failed batch, then each step alone
    for step in steps:
        assert events_of(engine, step.case_id) == 1


def test_a_zombie_step_in_a_batch_is_refused_and_the_others_are_recorded(engine: Engine) -> None:
    """A late worker's step, decided before what its successor recorded, is still refused
    (StaleStep, retried by Temporal) when it shares a batch."""
    flow = Flow(engine)
    flow.accept(complete(flow.case, T2, TRUE_AT), [completed(3, T2, TRUE_AT)], resync=True)
    zombie = flow.step(complete(flow.case, T1, PHANTOM_AT), [completed(3, T1, PHANTOM_AT)])
    store = StoreActivities(engine)

    results = record_together(store, [first_step("ZK-G-1"), zombie, first_step("ZK-G-2")])

    assert results[0] is True and results[2] is True
    assert isinstance(results[1], StaleStep)
    assert flow.events()[2:] == [(3, "taak_afgerond", T2)]
    assert flow.tasks()[T1] == "open"
    flow.verify(workflow_seq=3)
