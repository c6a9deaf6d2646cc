"""The one activity per transition: read model, audit event and outbox in one transaction."""

from __future__ import annotations

import structlog
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from temporalio import activity

from domain.transition import Transition
from store.db import session_scope
from store.projection import apply_transition

log = structlog.get_logger(__name__)


class StoreActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn(name="record_transition")
    def record_transition(self, transition: Transition) -> bool:
        """Idempotent: a retried attempt finds its (case, seq) event and writes nothing."""
        try:
            with session_scope(self.engine) as session:
                applied = apply_transition(session, transition)
        except IntegrityError:
            # A concurrent attempt of the same transition won the race; it is recorded.
            applied = False
        log.info(
            "transition_recorded" if applied else "transition_already_recorded",
            case_id=transition.case_id,
            seq=transition.seq,
            event_type=transition.event.event_type,
        )
        return applied
