"""The store writes: one activity per step (an Update or a timer firing).

Steps of different cases that arrive while another commit is in progress are written together,
one transaction and one commit for all of them, each step in its own savepoint
(``store.group_commit``); a step that fails there, or whose batch fails to commit, is written
again on its own (``_write``), where the rules below apply. A lone step is written at once.

A retry that finds its (case, seq) events writes nothing. A write that retrying cannot fix
(bad data) fails for good: the case is flagged in the store, an operator is alerted in the
log, and the workflow refuses further Updates instead of hanging.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import structlog
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.transition import (
    RECORD_STEP,
    RECORD_TRANSITION,
    STEP_ROWS_UNKNOWN,
    WRITE_FAILED,
    CaseStep,
    Transition,
)
from store.db import session_scope, write_scope
from store.group_commit import GroupCommit
from store.models import AuditEvent, ProjectionFailure
from store.phantoms import StaleStep
from store.projection import apply_transition
from store.step_rows import StepRows
from store.steps import StepOutcome, StepRowsUnknown, write_step

log = structlog.get_logger(__name__)

# Errors that say the data itself cannot be stored; retrying would fail the same way.
BAD_DATA = (DataError, OverflowError, ValueError, TypeError, UnicodeError)


class StoreActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.group = GroupCommit(engine)

    # Temporal may give up on an attempt while it writes: its start-to-close timeout, or an
    # earlier attempt's timer that was never stopped (temporalio/sdk-rust#1454). The SDK would
    # then raise CancelledError in this thread at any line, even in a group commit's leader
    # that is handing other cases' steps back. The write runs to its end instead; the retry
    # finds its (case, seq) recorded.
    @activity.defn(name=RECORD_STEP, no_thread_cancel_exception=True)
    def record_step(self, step: CaseStep) -> bool:
        """Writes every event and changed row of one step; idempotent on (case, seq).

        A phantom tail (events a dead worker committed that the case's history never accepted)
        is replaced by the step: a warning and sg989_phantom_events_replaced count it."""
        outcomes: list[StepOutcome] = []
        prepared = StepRows(step)  # before the transaction: less time holding the write lock

        def write(session: Session) -> bool:
            outcomes.append(write_step(session, step, prepared))
            return outcomes[-1].applied

        try:
            applied = self._write_grouped(step.case_id, step.first_seq, write)
        except StaleStep:
            log.warning("stale_step_refused", case_id=step.case_id, seq=step.first_seq)
            raise  # retried until this worker, whose workflow task was taken over, drops it
        except StepRowsUnknown as exc:
            log.info("step_sent_again_with_rows", case_id=step.case_id, seq=step.first_seq)
            raise ApplicationError(str(exc), type=STEP_ROWS_UNKNOWN, non_retryable=True) from exc
        outcome = outcomes[-1] if applied else StepOutcome()
        if outcome.replaced:
            _count_phantom(len(outcome.replaced))
            log.warning(
                "phantom_step_replaced",
                case_id=step.case_id,
                replaced_seqs=list(outcome.replaced),
                replaced_types=list(outcome.replaced_types),
                written_seqs=list(outcome.written),
                notifications_already_sent=outcome.notifications_already_sent,
                rows_resynced=step.resync,
                reason="a worker committed these events and died before the case's workflow "
                "task completed; the history never accepted them and the case decided again",
            )
        log.info(
            "step_recorded" if applied else "step_already_recorded",
            case_id=step.case_id,
            seq=step.first_seq,
            events=len(step.events),
        )
        return applied

    @activity.defn(name=RECORD_TRANSITION, no_thread_cancel_exception=True)
    def record_transition(self, transition: Transition) -> bool:
        """The one-event form, for runs that started before steps existed."""
        applied = self._write(
            transition.case_id,
            transition.seq,
            lambda session: apply_transition(session, transition),
        )
        log.info(
            "transition_recorded" if applied else "transition_already_recorded",
            case_id=transition.case_id,
            seq=transition.seq,
            event_type=transition.event.event_type,
        )
        return applied

    def _write_grouped(self, case_id: str, seq: int, write: Callable[[Session], bool]) -> bool:
        """In a shared transaction if it can; on its own (today's rules) if that failed."""
        grouped = self.group.write(case_id, write)
        if grouped.written:
            return bool(grouped.value)
        return self._write(case_id, seq, write)

    def _write(self, case_id: str, seq: int, write: Callable[[Session], bool]) -> bool:
        for attempt in (1, 2):
            try:
                with write_scope(self.engine) as session:
                    return write(session)
            except IntegrityError:
                # Only a concurrent attempt of this same write may collide, and then its event
                # is there. Anything else (a foreign key, a task id of another case) fails
                # loudly. Written once more, the step compares its events with the recorded
                # ones, so it is "already recorded" only if their content is the same.
                if attempt == 2 or not self._recorded(case_id, seq):
                    raise
            except BAD_DATA as exc:
                raise self._give_up(case_id, seq, exc) from exc
        raise AssertionError("unreachable")

    def _recorded(self, case_id: str, seq: int) -> bool:
        with Session(self.engine) as session:
            found = session.exec(
                select(AuditEvent.id).where(AuditEvent.case_id == case_id, AuditEvent.seq == seq)
            ).first()
        return found is not None

    def _give_up(self, case_id: str, seq: int, exc: Exception) -> ApplicationError:
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:500] if str(exc) else ''}"
        with session_scope(self.engine) as session:
            session.add(
                ProjectionFailure(
                    case_id=case_id, seq=seq, error=error, failed_at=datetime.now(UTC)
                )
            )
        log.error(
            "case_write_failed_operator_needed",
            case_id=case_id,
            seq=seq,
            error=error,
            action="the case is stalled: fix the data or the store, then reset the workflow",
        )
        return ApplicationError(
            f"the store cannot record event {seq} of case {case_id} ({error}); the case is "
            "flagged and an operator was alerted",
            type=WRITE_FAILED,
            non_retryable=True,
        )


def _count_phantom(events: int) -> None:
    """sg989_phantom_events_replaced on the worker's metrics endpoint (Temporal's meter)."""
    if not activity.in_activity():
        return
    counter = activity.metric_meter().create_counter(
        "sg989_phantom_events_replaced",
        "audit events a dead worker committed that the case's history never accepted, "
        "replaced by the step the case decided again",
    )
    counter.add(events)
