"""Plain store rows for a live case, for tests that do not need the workflow to run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from store.db import session_scope
from store.models import Betrokkene, Case, MeasureDecision, PhaseVisit, Task

START = datetime(2021, 2, 1, 9, 0, tzinfo=UTC)


def live_case(
    engine: Engine, case_id: str, unit: str = "CLAS/11LMB", days: tuple[int, ...] = (2, 10)
) -> None:
    """A case that went through intake and weging in `days`, then got a berisping."""
    with session_scope(engine) as s:
        s.add(
            Case(
                case_id=case_id,
                do=unit.split("/")[0],
                unit=unit,
                category="financieel",
                channel="webformulier",
                melder_type="medewerker",
                phase="afdoening",
                registered_at=START,
            )
        )
        s.flush()
        moment = START
        for phase, length in zip(("intake", "weging"), days, strict=False):
            s.add(
                PhaseVisit(
                    case_id=case_id,
                    phase=phase,
                    entered_at=moment,
                    left_at=moment + timedelta(days=length),
                )
            )
            moment += timedelta(days=length)
        s.add(PhaseVisit(case_id=case_id, phase="afdoening", entered_at=moment))
        s.add(Betrokkene(case_id=case_id, ref="BTR-1"))
        s.add(
            MeasureDecision(
                case_id=case_id, betrokkene_ref="BTR-1", measure="berisping", decided_at=moment
            )
        )


def task(
    engine: Engine,
    task_id: str,
    case_id: str,
    role: str,
    *,
    late: bool = False,
    extensions: int = 0,
    escalation: int = 0,
    done: bool = True,
) -> None:
    due = START + timedelta(days=5)
    completed = due + timedelta(days=1 if late else -1)
    with session_scope(engine) as s:
        s.add(
            Task(
                task_id=task_id,
                case_id=case_id,
                task_type="weging",
                phase="weging",
                role=role,
                unit="CLAS/11LMB",
                label="Weging",
                status="done" if done else "open",
                basis="test",
                opened_at=START,
                due_at=due,
                completed_at=completed if done else None,
                extensions=extensions,
                escalation_level=escalation,
            )
        )
