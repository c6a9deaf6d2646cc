"""The KMar variant end to end (issue 7 item 8; domain reference section 1)."""

from __future__ import annotations

from sqlmodel import Session, select

from domain.phases import TaskType
from domain.requests import CompleteTask
from domain.roles import Role
from store.models import OutboxNotification
from tests.workflows.driver import CaseDriver, actor
from tests.workflows.test_deadlines import sleep_until
from tests.workflows.test_rejections import rejected, update_events
from workflows.case import CaseWorkflow

KMAR = {role: actor(role, units=["KMar"]) for role in Role}
SIO = actor(Role.onderzoeker, sub="sio-1", units=["KMar"])
BEVESTIGING = {"verzonden_op": "2026-11-30", "kanaal": "post"}


async def test_kmar_intake_is_by_its_own_adviser_and_escalation_stays_in_the_kmar(
    time_worker, policy, task_queue, engine
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue, unit="KMar/DISTRICT-N")
    bevestiging = await case.open_task(TaskType.ontvangstbevestiging)
    assert bevestiging.role == Role.kmar_integriteitsadviseur
    kind, message = await rejected(
        case,
        CaseWorkflow.complete_task,
        CompleteTask(
            actor=KMAR[Role.coid_adviseur], task_id=bevestiging.task_id, payload=BEVESTIGING
        ),
    )
    assert kind == "forbidden" and "needs the role kmar_integriteitsadviseur" in message
    assert await update_events(case) == 0

    adviser = KMAR[Role.kmar_integriteitsadviseur]
    await case.complete(TaskType.ontvangstbevestiging, adviser, BEVESTIGING)
    await case.complete(TaskType.intake_contact, adviser, {"samenvatting": "s"})
    await case.complete(
        TaskType.keuze_afhandeling,
        KMAR[Role.commandant],
        {"keuze": "onderzoek_overwogen", "motivering": "m"},
    )
    await case.complete(
        TaskType.besluit_instelling,
        KMAR[Role.commandant],
        {
            "besluit": "instellen",
            "onderzoeksopdracht": "o",
            "onderzoekers": ["sio-1"],
            "betrokkenen": ["BTR-1"],
        },
    )
    review = await case.open_task(TaskType.review_beschikking)
    await sleep_until(time_worker, review.due_at)  # the JuHRA review runs late
    await case.complete(TaskType.review_beschikking, KMAR[Role.jurist], {"akkoord": True})
    concept = await case.open_task(TaskType.concept_rapport)
    await sleep_until(time_worker, concept.due_at)  # and so does the SIO

    with Session(engine) as session:
        rows = session.exec(
            select(OutboxNotification).where(OutboxNotification.case_id == case.case_id)
        ).all()
    escalated = [n.recipient_role for n in rows if n.kind == "escalatie"]
    assert "hoofd_juhra" in escalated and "hoofd_sio" in escalated
    assert not [r for r in {n.recipient_role for n in rows} if "coid" in r]  # never the COID
