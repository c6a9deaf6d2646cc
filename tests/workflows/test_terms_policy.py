"""Every term from the case's policy version; who may extend what (issue 7 items 3-6)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from domain.phases import Phase, TaskType
from domain.requests import CompleteTask, ExtendTask
from store.models import OutboxNotification
from tests.workflows.driver import COID, COMMANDANT, JURIST, CaseDriver
from tests.workflows.test_obligations import to_onderzoek
from tests.workflows.test_paths import BESCHIKKING, finish_afdoening
from tests.workflows.test_rejections import rejected, update_events
from workflows.case import CaseWorkflow

WORKFLOWS = Path(__file__).parents[2] / "workflows"
TERM_IN_CODE = re.compile(
    r"(days|weeks|months)\s*=\s*\d"  # timedelta(weeks=6)
    r"|\b\d+\s*,\s*\"(days|working_days|weeks|months)\""  # add_term(x, 6, "weeks")
    r"|\b\d+\s+if\b.*\belse\s+\d+"  # 12 if commissie else 6
)


def test_no_day_or_week_numbers_in_workflows() -> None:
    found = [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted(WORKFLOWS.glob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if TERM_IN_CODE.search(line)
    ]
    assert found == [], "terms belong in the policy file: " + "; ".join(found)


def test_the_pattern_finds_terms_written_in_code() -> None:
    assert TERM_IN_CODE.search("due_at=started + timedelta(weeks=12)")
    assert TERM_IN_CODE.search('add_term(workflow.now(), 3, "months")')
    assert TERM_IN_CODE.search('weeks = 12 if payload.get("advies_commissie") else 6')


async def test_beschikking_cannot_set_a_longer_onderzoek_than_the_policy(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("onderzoek_overwogen")
    await case.complete(TaskType.weging, COID, {"advies": "onderzoek", "motivering": "m"})
    task = await case.open_task(TaskType.besluit_instelling)
    before = await update_events(case)
    too_long = {**BESCHIKKING, "termijn_weken": 13}
    kind, message = await rejected(
        case,
        CaseWorkflow.complete_task,
        CompleteTask(actor=COMMANDANT, task_id=task.task_id, payload=too_long),
    )
    assert kind == "invalid" and "exceeds the onderzoek term of policy 2026.2" in message
    assert await update_events(case) == before
    await case.complete(
        TaskType.besluit_instelling, COMMANDANT, {**BESCHIKKING, "termijn_weken": 8}
    )
    await case.complete(TaskType.review_beschikking, JURIST, {"akkoord": True})
    concept = await case.open_task(TaskType.concept_rapport)
    assert concept.due_at == policy.term_end(concept.opened_at, 8, "weeks")
    assert concept.due_at < policy.due_from(TaskType.concept_rapport, concept.opened_at)


async def bezwaar_recorded(case: CaseDriver, advies_commissie: bool) -> tuple[datetime, datetime]:
    await case.intake()
    await case.choose("lijn")
    await finish_afdoening(case, ["waarschuwingsbrief"])
    termijn = await case.open_task(TaskType.bezwaartermijn)
    received = termijn.opened_at.date().isoformat()
    await case.complete(
        TaskType.bezwaartermijn,
        JURIST,
        {"ontvangen_op": received, "advies_commissie": advies_commissie},
    )
    beslissing = await case.open_task(TaskType.beslissing_op_bezwaar)
    return termijn.due_at, beslissing.due_at


async def test_beslissing_op_bezwaar_counts_from_the_end_of_the_bezwaartermijn(
    time_worker, policy, task_queue
) -> None:
    """Awb 7:10: six weeks from the end of the bezwaartermijn, not from the bezwaar's receipt."""
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    termijn_end, due = await bezwaar_recorded(case, advies_commissie=False)
    assert due == policy.term_end(termijn_end, 6, "weeks")


async def test_beslissing_op_bezwaar_with_advisory_commission_takes_the_longer_term(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    termijn_end, due = await bezwaar_recorded(case, advies_commissie=True)
    assert due == policy.term_end(termijn_end, 12, "weeks")


def outbox(engine, case_id: str, kind: str) -> list[OutboxNotification]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        query = select(OutboxNotification).where(
            OutboxNotification.case_id == case_id, OutboxNotification.kind == kind
        )
        return list(session.exec(query).all())


async def test_only_the_bg_extends_the_onderzoek_and_melder_and_betrokkene_hear_of_it(
    time_worker, policy, task_queue, engine
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await to_onderzoek(case)
    concept = await case.open_task(TaskType.concept_rapport)
    new_due = concept.due_at + timedelta(weeks=4)
    before = await update_events(case)
    for who in (JURIST, COID):
        kind, message = await rejected(
            case,
            CaseWorkflow.extend_task,
            ExtendTask(actor=who, task_id=concept.task_id, new_due_at=new_due, reason="r"),
        )
        assert kind == "forbidden" and "needs the role commandant" in message
    assert await update_events(case) == before
    await case.handle.execute_update(
        CaseWorkflow.extend_task,
        ExtendTask(
            actor=COMMANDANT,
            task_id=concept.task_id,
            new_due_at=new_due,
            reason="Extra getuigen.",
        ),
    )
    told = {
        (n.recipient_role, n.recipient_sub)
        for n in outbox(engine, case.case_id, "termijn_verlengd")
    }
    assert ("melder", f"melder:{case.case_id}") in told
    assert ("betrokkene", "betrokkene:BTR-1") in told
    parties = [
        n
        for n in outbox(engine, case.case_id, "termijn_verlengd")
        if n.recipient_role != "onderzoeker"
    ]
    assert len(parties) == 2 and all("termijn" in n.text and "verlengd" in n.text for n in parties)


async def test_nazorg_check_ins_fall_from_the_besluit_whatever_bezwaar_does(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("lijn")
    await finish_afdoening(case, ["waarschuwingsbrief"])
    state = await case.state()
    assert state.phase == Phase.bezwaar
    besluit_at = state.betrokkenen["BTR-1"].besluit_at
    assert besluit_at is not None
    checkins = [t for t in state.open_tasks() if t.task_type == TaskType.nazorg_checkin]
    assert [t.due_at for t in checkins] == policy.checkin_dues(besluit_at)
    assert checkins[0].due_at == policy.term_end(besluit_at, 4, "weeks")
    assert all(t.assignees == [] for t in checkins)  # known once the afspraak is made


async def test_terugkoppeling_runs_from_the_day_the_bevestiging_was_sent(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    now = await time_worker.get_current_time()
    sent = (now - timedelta(days=5)).date()
    await case.complete(
        TaskType.ontvangstbevestiging, COID, {"verzonden_op": sent.isoformat(), "kanaal": "post"}
    )
    feedback = await case.open_task(TaskType.terugkoppeling_melder)
    start = datetime.combine(sent, feedback.opened_at.timetz())
    assert feedback.due_at == policy.due_from(TaskType.terugkoppeling_melder, start)
    assert feedback.due_at < policy.due_from(TaskType.terugkoppeling_melder, feedback.opened_at)
    # The commandant may give the feedback as well as the adviser.
    await case.complete(TaskType.terugkoppeling_melder, COMMANDANT, {"verslag": "Gesproken."})


async def test_an_extended_term_ends_at_the_end_of_a_working_day(
    time_worker, policy, task_queue
) -> None:
    """Issue 7 item 9: a due date set by an extension is a term end like any other. Asked for
    a Saturday noon, it falls at 17:00 Amsterdam on the Monday, and its timer fires there."""
    from datetime import time

    from domain.workcalendar import from_amsterdam, to_amsterdam
    from tests.workflows.test_deadlines import keuze_task, sleep_until

    case, task = await keuze_task(time_worker, policy, task_queue)
    calendar = policy.calendar
    day = to_amsterdam(task.due_at).date() + timedelta(days=7)
    while not (day.weekday() == 5 and calendar.is_working_day(day + timedelta(days=2))):
        day += timedelta(days=1)
    saturday_noon = from_amsterdam(datetime.combine(day, time(12)))
    await case.handle.execute_update(
        CaseWorkflow.extend_task,
        ExtendTask(
            actor=COMMANDANT, task_id=task.task_id, new_due_at=saturday_noon, reason="Missie."
        ),
    )
    moved = await case.open_task(TaskType.keuze_afhandeling)
    monday_end = from_amsterdam(datetime.combine(day + timedelta(days=2), time(17)))
    assert moved.due_at == monday_end and moved.due_at != saturday_noon
    await sleep_until(time_worker, saturday_noon)  # the asked-for moment passes quietly
    assert (await case.open_task(TaskType.keuze_afhandeling)).escalation_level == 0
    await sleep_until(time_worker, monday_end)
    assert (await case.open_task(TaskType.keuze_afhandeling)).escalation_level == 1
