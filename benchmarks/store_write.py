"""The CPU of one store write (`record_step`), without Temporal: µs per step and where it goes.

`python -m benchmarks.store_write [--cases 40] [--steps 12] [--repeats 3] [--profile 25]`

Writes the steps of realistic cases into a fresh, migrated SQLite file (WAL,
``synchronous=FULL`` as shipped): a registration step (case row, first task, two events, a
notification, the melder as party), then one step per task completion (the task closed, the
next one opened, two or three events with details, notifications, a phase change, a betrokkene
update and a measure now and then, a signed checkpoint every tenth event) and, once per case, the
resync step a worker writes after loading a case (every row). Each step goes through
``StoreActivities.record_step`` as the worker calls it (group commit, logging), the cases
interleaved as at concurrency. Prints wall and CPU µs per step (CPU is this process's own time;
the commit's fsync is wall only), the CPU of ``write_step`` alone (the statements, before the
commit), and with --profile a cProfile top list of the whole write.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from domain.rows import BetrokkeneRow, CaseRow, MeasureRows, RowChanges, TaskRow
from domain.transition import AuditEventIn, CaseStep, Notification, StepEvent

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PHASES = ("intake", "weging", "onderzoek", "besluitvorming", "afdoening", "nazorg")
TASK_TYPES = ("ontvangstbevestiging", "intake_contact", "weging", "onderzoeksplan", "rapport")


def _task(case_id: str, n: int, phase: str, at: datetime) -> TaskRow:
    return TaskRow(
        task_id=f"{case_id}-T{n}",
        task_type=TASK_TYPES[n % len(TASK_TYPES)],
        phase=phase,
        role="coid_adviseur",
        unit="CLAS/11LMB",
        label="Een taak in deze zaak",
        betrokkene="BTR-1" if n % 3 == 0 else None,
        assignees=["adviseur-1"],
        status="open",
        basis="JID-2021",
        opened_at=at,
        due_at=at + timedelta(days=7),
        reminder_at=at + timedelta(days=5),
    )


def _case_row(phase: str) -> CaseRow:
    return CaseRow(
        do="CLAS",
        unit="CLAS/11LMB",
        category="ongewenste_omgangsvormen",
        channel="webformulier",
        melder_type="medewerker",
        variant="standaard",
        policy_version="2026.1",
        phase=phase,
        status="open",
        weging="integriteitsschending" if phase != "intake" else None,
        registered_at=T0,
    )


def _note(case_id: str, kind: str) -> Notification:
    return Notification(
        recipient_role="coid_adviseur",
        recipient_unit="CLAS/11LMB",
        recipient_sub="adviseur-1",
        kind=kind,
        text=f"Er is een taak voor u in zaak {case_id}.",
    )


def _event(seq: int, kind: str, at: datetime, phase: str, **details: object) -> StepEvent:
    return StepEvent(
        seq=seq,
        event=AuditEventIn(
            event_type=kind,
            occurred_at=at,
            actor_sub="adviseur-1",
            actor_name="A. Adviseur",
            actor_role="coid_adviseur",
            details=dict(details),
        ),
        phase=phase,
    )


def case_steps(case_id: str, steps: int) -> Iterator[CaseStep]:
    """The steps one case writes: registration, then one per task completion."""
    phase, at = PHASES[0], T0
    task = _task(case_id, 1, phase, at)
    tasks = {task.task_id: task}
    betrokkene = BetrokkeneRow(ref="BTR-1")
    opened = _event(2, "taak_geopend", at, phase, task_id=task.task_id, task_type=task.task_type)
    opened.notifications.append(_note(case_id, "taak_toegewezen"))
    yield CaseStep(
        case_id=case_id,
        events=[_event(1, "melding_geregistreerd", at, phase, unit="CLAS/11LMB"), opened],
        rows=RowChanges(
            case=_case_row(phase), tasks=[task], betrokkenen=[betrokkene], parties=["melder-1"]
        ),
    )
    seq = 2
    for n in range(2, steps + 1):
        at += timedelta(hours=5, seconds=n)
        done = task.model_copy(
            update={"status": "done", "completed_at": at, "completed_by": "adviseur-1"}
        )
        events = [
            _event(
                seq + 1,
                "taak_afgerond",
                at,
                phase,
                task_id=done.task_id,
                task_type=done.task_type,
                uitkomst="akkoord",
                toelichting="Besproken met de melder; vervolg afgesproken.",
            )
        ]
        case_row = None
        if n % 3 == 0:
            phase = PHASES[min(n // 3, len(PHASES) - 1)]
            case_row = _case_row(phase)
            events.append(_event(seq + 2, "fase_gewijzigd", at, phase, naar=phase))
        task = _task(case_id, n, phase, at)
        opened = _event(
            seq + len(events) + 1, "taak_geopend", at, phase, task_id=task.task_id, due=task.due_at
        )
        opened.notifications.append(_note(case_id, "taak_toegewezen"))
        events.append(opened)
        seq += len(events)
        tasks |= {done.task_id: done, task.task_id: task}
        changed = [done, task]
        betrokkenen = []
        if n % 4 == 0:
            betrokkene = betrokkene.model_copy(update={"in_onderzoek": True, "besluit_at": at})
            betrokkenen = [betrokkene]
        measures = []
        if n % 6 == 0:
            measures = [MeasureRows(betrokkene_ref="BTR-1", measures=["berisping"], decided_at=at)]
        resync = n == 3  # the first step a worker writes after loading the case
        rows = RowChanges(
            case=_case_row(phase) if resync else case_row,
            tasks=list(tasks.values()) if resync else changed,
            betrokkenen=[betrokkene] if resync else betrokkenen,
            measures=measures,
            parties=["melder-1"] if resync else [],
        )
        yield CaseStep(case_id=case_id, events=events, rows=rows, resync=resync)


def interleaved(cases: int, steps: int, prefix: str) -> list[CaseStep]:
    """Every case's steps, round robin: the store sees the cases' steps mixed, as at load."""
    per_case = [list(case_steps(f"ZK-{prefix}-{i:05d}", steps)) for i in range(cases)]
    return [s for round_ in zip(*per_case, strict=True) for s in round_]


def fresh_engine(folder: Path):  # type: ignore[no-untyped-def]
    from store.db import make_engine
    from store.migrate import upgrade_to_head

    url = f"sqlite:///{folder / 'store.db'}"
    upgrade_to_head(url)
    return make_engine(url)


def timed(steps: list[CaseStep], write: Callable[[CaseStep], object]) -> tuple[float, float]:
    """Wall and CPU µs per step."""
    wall, cpu = time.perf_counter(), time.process_time()
    for step in steps:
        write(step)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall / len(steps) * 1e6, cpu / len(steps) * 1e6


def main(cases: int, steps: int, repeats: int, profile: int) -> None:
    import structlog

    import activities.record as record_module
    import store.db
    from store.steps import write_step

    structlog.configure(logger_factory=structlog.ReturnLoggerFactory())  # no log I/O billed
    inner: dict[str, list[float]] = {"write": [], "commit": []}

    def measured(session: Any, step: CaseStep, *prepared: Any) -> Any:
        cpu = time.process_time()
        try:
            return write_step(session, step, *prepared)
        finally:
            inner["write"].append(time.process_time() - cpu)

    commit = store.db.Session.commit

    def committed(session: Any) -> None:
        cpu = time.process_time()
        try:
            commit(session)
        finally:
            inner["commit"].append(time.process_time() - cpu)

    record_module.write_step = measured  # type: ignore[assignment]
    store.db.Session.commit = committed  # type: ignore[method-assign,assignment]
    print(f"{cases} cases x {steps} steps, each repeat on a fresh SQLite file (WAL, FULL)")
    print("µs per step: record_step wall, its CPU; CPU of write_step in the transaction, commit")
    walls, cpus, writes, commits = [], [], [], []
    for repeat in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            engine = fresh_engine(Path(folder))
            todo = interleaved(cases, steps, f"R{repeat}")
            inner["write"].clear()
            inner["commit"].clear()
            wall, cpu = timed(todo, record_module.StoreActivities(engine).record_step)
            engine.dispose()
        walls.append(wall)
        cpus.append(cpu)
        writes.append(sum(inner["write"]) / len(todo) * 1e6)
        commits.append(sum(inner["commit"]) / len(todo) * 1e6)
        print(
            f"repeat {repeat + 1}: {wall:6.0f} wall {cpu:6.0f} CPU; "
            f"write_step {writes[-1]:5.0f}, commit {commits[-1]:5.0f}"
        )
    print(
        f"median:   {statistics.median(walls):6.0f} wall {statistics.median(cpus):6.0f} CPU; "
        f"write_step {statistics.median(writes):5.0f}, commit {statistics.median(commits):5.0f}"
    )
    store.db.Session.commit = commit  # type: ignore[method-assign]
    if profile:
        with tempfile.TemporaryDirectory() as folder:
            engine = fresh_engine(Path(folder))
            record = record_module.StoreActivities(engine)
            todo = interleaved(cases, steps, "P")
            profiler = cProfile.Profile()
            profiler.enable()
            for step in todo:
                record.record_step(step)
            profiler.disable()
            engine.dispose()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("tottime").print_stats(profile)
        stats.sort_stats("cumulative").print_stats(profile)
        print(out.getvalue())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--steps", type=int, default=12, help="steps per case")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, help="cProfile top N (0: none)")
    args = parser.parse_args()
    main(args.cases, args.steps, args.repeats, args.profile)
