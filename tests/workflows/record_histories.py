"""Record the histories the replay test guards: `python -m tests.workflows.record_histories`.

Run it when a new kind of case history should be protected, and commit the files; never
re-record existing ones after a workflow change, since they stand for cases already running.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from sqlmodel import SQLModel
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain.phases import TaskType
from domain.requests import ExtendTask, RecordSchorsing, ReopenCase, StartCase, WithdrawMelding
from domain.roles import Role
from sg989.cases import reopen_case
from sg989.policy_files import load_policy
from sg989.temporal import register_search_attributes, test_server_path
from sg989.worker import build_worker
from store.db import make_engine
from tests.workflows.driver import COID, COMMANDANT, CaseDriver, actor, melding
from tests.workflows.test_paths import (
    BESCHIKKING,
    drive_investigation,
    drive_to_afdoening,
    finish_afdoening,
    finish_nazorg,
)
from workflows.case import CaseWorkflow

HISTORY_DIR = Path(__file__).parent / "histories"
QUEUE = "record-histories"
Scenario = Callable[[WorkflowEnvironment], Awaitable[list[str]]]


async def closed_after_nazorg(env: WorkflowEnvironment) -> list[str]:
    case = await CaseDriver.start(env.client, load_policy(), QUEUE)
    await case.intake()
    await case.choose("lijn")
    await finish_afdoening(case, ["waarschuwingsbrief", "leerafspraak"])
    await env.sleep(timedelta(weeks=7))
    await finish_nazorg(case)
    await case.handle.result()
    return [case.case_id]


async def running_in_onderzoek(env: WorkflowEnvironment) -> list[str]:
    case = await CaseDriver.start(env.client, load_policy(), QUEUE)
    await drive_investigation(case)
    return [case.case_id]


async def extended_and_escalated(env: WorkflowEnvironment) -> list[str]:
    case = await CaseDriver.start(env.client, load_policy(), QUEUE)
    await case.intake()
    task = await case.open_task(TaskType.keuze_afhandeling)
    request = ExtendTask(
        actor=COMMANDANT,
        task_id=task.task_id,
        new_due_at=task.due_at + timedelta(days=7),
        reason="r",
    )
    await case.handle.execute_update(CaseWorkflow.extend_task, request)
    await env.sleep(timedelta(days=30))
    return [case.case_id]


async def withdrawn(env: WorkflowEnvironment) -> list[str]:
    case = await CaseDriver.start(env.client, load_policy(), QUEUE)
    await case.intake()
    await case.handle.execute_update(
        CaseWorkflow.withdraw_melding, WithdrawMelding(actor=COID, reason="r")
    )
    await case.handle.result()
    return [case.case_id]


async def kmar_with_schorsing(env: WorkflowEnvironment) -> list[str]:
    cdt = actor(Role.commandant, units=["KMar"])
    case = await CaseDriver.start(env.client, load_policy(), QUEUE, unit="KMar/DISTRICT-NOORD")
    request = RecordSchorsing(actor=cdt, betrokkene="BTR-1", reason="r")
    await case.handle.execute_update(CaseWorkflow.record_schorsing, request)
    coid = actor(Role.kmar_integriteitsadviseur, units=["KMar"])
    await case.complete(
        TaskType.ontvangstbevestiging, coid, {"verzonden_op": "2026-11-30", "kanaal": "post"}
    )
    await case.complete(TaskType.intake_contact, coid, {"samenvatting": "s"})
    await case.complete(
        TaskType.keuze_afhandeling, cdt, {"keuze": "onderzoek_overwogen", "motivering": "m"}
    )
    await case.complete(TaskType.besluit_instelling, cdt, BESCHIKKING)
    return [case.case_id]


async def continued_as_new(env: WorkflowEnvironment) -> list[str]:
    case_id = f"ZK-H-{uuid.uuid4().hex[:8]}"
    start = StartCase(
        case_id=case_id,
        melding=melding(),
        registered_by=COMMANDANT,
        policy=load_policy(),
        history_event_limit=40,
    )
    await env.client.start_workflow(CaseWorkflow.run, start, id=case_id, task_queue=QUEUE)
    await drive_investigation(CaseDriver(env.client.get_workflow_handle(case_id)))
    return [case_id]


async def due_process_2026_2(env: WorkflowEnvironment) -> list[str]:
    """Policy 2026.2 and issue 7: withdrawal after the beschikking, the BG goes on, a schorsing
    that holds the closing, a formal measure through voornemen and zienswijze, bezwaar counted
    by Awb 7:10, check-ins from the besluit, the outcome to the melder at closure."""
    case = await CaseDriver.start(env.client, load_policy(), QUEUE)
    await drive_investigation(case)
    await case.handle.execute_update(
        CaseWorkflow.withdraw_melding, WithdrawMelding(actor=COID, reason="r")
    )
    await case.complete(
        TaskType.besluit_na_intrekking, COMMANDANT, {"voortzetten": True, "motivering": "m"}
    )
    await case.handle.execute_update(
        CaseWorkflow.record_schorsing,
        RecordSchorsing(actor=COMMANDANT, betrokkene="BTR-1", reason="r"),
    )
    await case.complete(
        TaskType.schending_beoordeling,
        COMMANDANT,
        {"schending": {"BTR-1": True}, "motivering": "m"},
    )
    jurist = actor(Role.jurist)
    await case.complete(
        TaskType.voornemen, jurist, {"maatregelen": ["berisping"], "motivering": "m"}
    )
    await case.complete(TaskType.zienswijze_voornemen, jurist, {"ontvangen": False})
    await finish_afdoening(case, ["berisping"])
    await case.complete(TaskType.bezwaartermijn, jurist, {"ontvangen_op": "2026-12-01"})
    await case.complete(
        TaskType.beslissing_op_bezwaar, jurist, {"uitkomst": "ongegrond", "motivering": "m"}
    )
    await finish_nazorg(case)
    await case.complete(
        TaskType.schorsing_review, COMMANDANT, {"besluit": "opheffen", "motivering": "m"}
    )
    await case.handle.result()
    return [case.case_id]


async def steps_full_investigation(env: WorkflowEnvironment) -> list[str]:
    """One write per step (patch one-write-per-step): the full path with an investigation."""
    case = await CaseDriver.start(env.client, load_policy(), QUEUE)
    await drive_to_afdoening(case, ["ontslag"])
    await finish_afdoening(case, ["ontslag"])
    await env.sleep(timedelta(days=43))
    await finish_nazorg(case)
    await case.handle.result()
    return [case.case_id]


async def patch_baseline(env: WorkflowEnvironment) -> list[str]:
    """One marker for every earlier patch (workflows/patches.py): the full investigation path."""
    case = await CaseDriver.start(env.client, load_policy(), QUEUE)
    await drive_to_afdoening(case, ["ontslag"])
    await finish_afdoening(case, ["ontslag"])
    termijn = await case.open_task(TaskType.bezwaartermijn)
    await env.sleep(termijn.due_at - await env.get_current_time() + timedelta(minutes=1))
    await finish_nazorg(case)
    await case.handle.result()
    return [case.case_id]


async def outcome_at_every_close(env: WorkflowEnvironment) -> list[str]:
    """Issue 7, second round: an extension moved to the end of a working day, a withdrawal that
    closes only after the outcome feedback, and a klacht case reopened by the reopen Update
    (its reopened run is what is stored for it)."""
    withdrawn_case = await CaseDriver.start(env.client, load_policy(), QUEUE)
    await withdrawn_case.intake()
    keuze = await withdrawn_case.open_task(TaskType.keuze_afhandeling)
    await withdrawn_case.handle.execute_update(
        CaseWorkflow.extend_task,
        ExtendTask(
            actor=COMMANDANT,
            task_id=keuze.task_id,
            new_due_at=keuze.due_at + timedelta(days=10, hours=3),
            reason="r",
        ),
    )
    await withdrawn_case.handle.execute_update(
        CaseWorkflow.withdraw_melding, WithdrawMelding(actor=COID, reason="r")
    )
    await withdrawn_case.give_outcome()
    await withdrawn_case.handle.result()

    reopened = await CaseDriver.start(env.client, load_policy(), QUEUE)
    await reopened.intake()
    await reopened.choose("klacht", klacht_referentie="COG-1")
    await reopened.give_outcome()
    await reopened.handle.result()
    request = ReopenCase(actor=COMMANDANT, grond="nieuwe_feiten", reason="r")
    await reopen_case(env.client, case_id=reopened.case_id, request=request, task_queue=QUEUE)
    reopened.handle = env.client.get_workflow_handle(reopened.case_id)
    await reopened.choose("lijn")
    return [withdrawn_case.case_id, reopened.case_id]


async def one_timer_per_case(env: WorkflowEnvironment) -> list[str]:
    """One deadline timer per case (patch one-deadline-timer, baseline patches-2026-12) and the
    small final result: the full investigation path with an extension that moves the nearest
    deadline, reminders while check-ins, feedback and bezwaartermijn run side by side, and the
    bezwaartermijn running out."""
    case = await CaseDriver.start(env.client, load_policy(), QUEUE)
    await case.intake()
    keuze = await case.open_task(TaskType.keuze_afhandeling)
    await case.handle.execute_update(
        CaseWorkflow.extend_task,
        ExtendTask(
            actor=COMMANDANT,
            task_id=keuze.task_id,
            new_due_at=keuze.due_at + timedelta(days=7),
            reason="r",
        ),
    )
    await case.choose("onderzoek_overwogen")
    await case.complete(TaskType.weging, COID, {"advies": "onderzoek", "motivering": "m"})
    await case.complete(TaskType.besluit_instelling, COMMANDANT, BESCHIKKING)
    await case.complete(TaskType.review_beschikking, actor(Role.jurist), {"akkoord": True})
    rapport = {"document_ref": "DOC-1", "samenvatting": "s"}
    onderzoeker = actor(Role.onderzoeker, sub="ond-1")
    await case.complete(TaskType.concept_rapport, onderzoeker, rapport)
    await case.complete(
        TaskType.zienswijze_concept, onderzoeker, {"ontvangen": True, "samenvatting": "s"}
    )
    await case.complete(TaskType.eindrapport, onderzoeker, rapport)
    await case.complete(
        TaskType.schending_beoordeling,
        COMMANDANT,
        {"schending": {"BTR-1": True}, "motivering": "m"},
    )
    jurist = actor(Role.jurist)
    await case.complete(TaskType.voornemen, jurist, {"maatregelen": ["ontslag"], "motivering": "m"})
    await case.complete(TaskType.zienswijze_voornemen, jurist, {"ontvangen": False})
    await case.complete(TaskType.hac_advies, actor(Role.hac), {"advies": "a"})
    await finish_afdoening(case, ["ontslag"])
    termijn = await case.open_task(TaskType.bezwaartermijn)
    await env.sleep(termijn.due_at - await env.get_current_time() + timedelta(minutes=1))
    await finish_nazorg(case)
    await case.handle.result()
    return [case.case_id]


SCENARIOS: dict[str, Scenario] = {
    "closed_after_nazorg": closed_after_nazorg,
    "running_in_onderzoek": running_in_onderzoek,
    "extended_and_escalated": extended_and_escalated,
    "withdrawn": withdrawn,
    "kmar_with_schorsing": kmar_with_schorsing,
    "continued_as_new": continued_as_new,
    "due_process_2026_2": due_process_2026_2,
    "steps_full_investigation": steps_full_investigation,
    "patch_baseline": patch_baseline,
    "outcome_at_every_close": outcome_at_every_close,
    "one_timer_per_case": one_timer_per_case,
}


async def save_histories(client: Client, name: str, case_ids: list[str]) -> None:
    """Save every run of each case, following continue-as-new from the first run."""
    for index, case_id in enumerate(case_ids):
        base = name if index == 0 else f"{name}.case{index + 1}"
        run_id = (
            await client.get_workflow_handle(case_id).describe()
        ).raw_description.workflow_execution_info.first_run_id
        run = 1
        while run_id:
            history = await client.get_workflow_handle(case_id, run_id=run_id).fetch_history()
            suffix = "" if run == 1 else f".run{run}"
            path = HISTORY_DIR / f"{base}{suffix}.json"
            path.write_text(history.to_json(), encoding="utf-8")
            print(f"recorded {path.name} ({len(history.events)} events)")
            last = history.events[-1]
            run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
            run += 1


async def main() -> None:
    HISTORY_DIR.mkdir(exist_ok=True)
    engine = make_engine(f"sqlite:///{tempfile.mkdtemp()}/histories.db")
    SQLModel.metadata.create_all(engine)
    for name, scenario in SCENARIOS.items():
        if (HISTORY_DIR / f"{name}.json").exists():
            print(f"kept {name}.json (existing histories are never re-recorded)")
            continue
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=str(test_server_path()),
            data_converter=pydantic_data_converter,
        )
        await register_search_attributes(env.client)
        async with env, build_worker(env.client, engine, QUEUE):
            await save_histories(env.client, name, await scenario(env))


if __name__ == "__main__":
    asyncio.run(main())
