"""Separation of duties and conflicts of interest (issue 7 item 7)."""

from __future__ import annotations

from domain.phases import TaskType
from domain.requests import CompleteTask, LinkParty, ReassignTask
from domain.roles import Role
from tests.workflows.driver import COID, COMMANDANT, JURIST, CaseDriver, actor
from tests.workflows.test_paths import BESCHIKKING
from tests.workflows.test_rejections import rejected, update_events
from workflows.case import CaseWorkflow

# One person holding both roles: adviser in the weging, then asked to sign the beschikking.
DUAL = actor(Role.coid_adviseur, sub="dual-1")
DUAL = DUAL.model_copy(update={"roles": [Role.coid_adviseur, Role.commandant]})


async def to_besluit_instelling(case: CaseDriver, adviser=COID) -> None:  # type: ignore[no-untyped-def]
    await case.intake()
    await case.choose("onderzoek_overwogen")
    await case.complete(TaskType.weging, adviser, {"advies": "onderzoek", "motivering": "m"})


async def refuse_beschikking(case: CaseDriver, by, payload) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    task = await case.open_task(TaskType.besluit_instelling)
    before = await update_events(case)
    result = await rejected(
        case,
        CaseWorkflow.complete_task,
        CompleteTask(actor=by, task_id=task.task_id, payload=payload),
    )
    assert await update_events(case) == before
    return result


async def test_the_adviser_who_gave_the_weging_cannot_sign_the_beschikking(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await to_besluit_instelling(
        case, adviser=DUAL.model_copy(update={"acting_role": Role.coid_adviseur})
    )
    kind, message = await refuse_beschikking(case, DUAL, BESCHIKKING)
    assert kind == "forbidden" and "who gave the weging cannot sign" in message


async def test_neither_the_adviser_nor_the_bg_can_be_onderzoeker(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await to_besluit_instelling(case)
    for sub, why in ((COID.sub, "gave the weging"), (COMMANDANT.sub, "bevoegd gezag")):
        payload = {**BESCHIKKING, "onderzoekers": ["ond-1", sub]}
        kind, message = await refuse_beschikking(case, COMMANDANT, payload)
        assert kind == "invalid" and f"{sub} cannot be onderzoeker" in message and why in message
    await case.complete(TaskType.besluit_instelling, COMMANDANT, BESCHIKKING)


async def test_a_linked_melder_or_betrokkene_cannot_act_on_the_case_in_any_role(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    other_adviser = actor(Role.coid_adviseur, sub="coid-2")
    link = LinkParty(actor=COID, sub=COMMANDANT.sub, party="melder", reason="Zelf gemeld.")
    kind, message = await rejected(
        case, CaseWorkflow.link_party, link.model_copy(update={"actor": other_adviser})
    )
    assert kind == "forbidden" and "only the case's own integrity adviser" in message
    await case.handle.execute_update(CaseWorkflow.link_party, link)

    keuze = await case.open_task(TaskType.keuze_afhandeling)
    before = await update_events(case)
    kind, message = await rejected(
        case,
        CaseWorkflow.complete_task,
        CompleteTask(
            actor=COMMANDANT, task_id=keuze.task_id, payload={"keuze": "lijn", "motivering": "m"}
        ),
    )
    assert kind == "forbidden" and "conflict of interest" in message
    assert await update_events(case) == before
    state = await case.state()
    assert state.linked_parties == [COMMANDANT.sub]
    linked = [e for e in state.tasks.values() if COMMANDANT.sub in e.assignees]
    assert linked == []


async def test_reassignment_goes_only_to_a_holder_of_the_tasks_role_in_scope(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    keuze = await case.open_task(TaskType.keuze_afhandeling)
    before = await update_events(case)
    attempts = [
        ({"assignee_roles": None, "assignee_units": None}, "roles and units from the directory"),
        ({"assignee_roles": [Role.jurist], "assignee_units": ["CLAS"]}, "does not hold the role"),
        ({"assignee_roles": [Role.commandant], "assignee_units": ["CZSK"]}, "for unit CLAS/11LMB"),
    ]
    for fields, why in attempts:
        request = ReassignTask(
            actor=COMMANDANT, task_id=keuze.task_id, assignee="cdt-2", reason="Wissel.", **fields
        )
        kind, message = await rejected(case, CaseWorkflow.reassign_task, request)
        assert kind == "invalid" and why in message
    assert await update_events(case) == before
    await case.handle.execute_update(
        CaseWorkflow.reassign_task,
        ReassignTask(
            actor=COMMANDANT,
            task_id=keuze.task_id,
            assignee="cdt-2",
            reason="Wisseling van commando.",
            assignee_roles=[Role.commandant],
            assignee_units=["CLAS"],
        ),
    )
    assert (await case.open_task(TaskType.keuze_afhandeling)).assignees == ["cdt-2"]


async def test_an_investigation_task_never_goes_to_the_weging_adviser(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await to_besluit_instelling(case)
    await case.complete(TaskType.besluit_instelling, COMMANDANT, BESCHIKKING)
    await case.complete(TaskType.review_beschikking, JURIST, {"akkoord": True})
    concept = await case.open_task(TaskType.concept_rapport)
    request = ReassignTask(
        actor=COMMANDANT,
        task_id=concept.task_id,
        assignee=COID.sub,
        reason="Capaciteit.",
        assignee_roles=[Role.onderzoeker, Role.coid_adviseur],
        assignee_units=["CLAS"],
    )
    kind, message = await rejected(case, CaseWorkflow.reassign_task, request)
    assert kind == "invalid" and "cannot investigate" in message and "gave the weging" in message
