"""Cases can be found in Temporal by number, phase, DO, category and lateness, never by person."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import UTC, datetime, timedelta

from temporalio.client import Client, WorkflowHandle

from domain.phases import TaskType
from sg989.temporal import temporal_cli_path
from tests.workflows.driver import COID, CaseDriver
from tests.workflows.test_deadlines import keuze_task, sleep_until
from workflows import search


async def attributes(handle: WorkflowHandle) -> dict[str, object]:
    described = await handle.describe()
    return {key.name: described.typed_search_attributes.get(key) for key in search.KEYS}


async def test_attributes_follow_the_phase_and_the_deadline(
    time_worker, policy, task_queue
) -> None:
    case, task = await keuze_task(time_worker, policy, task_queue)
    assert await attributes(case.handle) == {
        "CaseNumber": case.case_id,
        "Phase": "keuze_afhandeling",
        "Defensieonderdeel": "CLAS",
        "Category": "ongewenste_omgangsvormen",
        "Overdue": False,
    }

    await sleep_until(time_worker, task.due_at)  # the deadline passes: escalated, overdue
    assert (await attributes(case.handle))["Overdue"] is True

    await case.choose("lijn")  # decided late: no longer overdue, and in the next phase
    now = await attributes(case.handle)
    assert (now["Phase"], now["Overdue"]) == ("afdoening", False)


async def listed(client: Client, query: str) -> list[str]:
    found: list[str] = []
    for _ in range(50):  # visibility follows the workflow within moments
        found = [w.id async for w in client.list_workflows(query)]
        if found:
            return found
        await asyncio.sleep(0.2)
    return found


async def test_the_operator_query_works_on_the_dev_server(dev_worker, policy, task_queue) -> None:
    case = await CaseDriver.start(dev_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("onderzoek_overwogen")
    assert (await case.open_task(TaskType.weging)).is_open
    mine = f"CaseNumber='{case.case_id}'"

    assert await listed(dev_worker.client, f"Phase='weging' AND Overdue=false AND {mine}") == [
        case.case_id
    ]
    assert [w.id async for w in dev_worker.client.list_workflows(f"Overdue=true AND {mine}")] == []

    address = dev_worker.client.service_client.config.target_host
    cli = subprocess.run(
        [str(temporal_cli_path()), "workflow", "list", "--address", address,
         "--query", f"Phase='weging' AND Overdue=false AND {mine}"],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    assert case.case_id in cli.stdout


async def test_a_late_case_is_found_by_phase_and_overdue_on_the_dev_server(
    dev_worker, policy, task_queue
) -> None:
    """No waiting: the ontvangstbevestiging went out a year before the case was registered,
    so the Wbk feedback term (3 months from that day) has passed when the task opens."""
    case = await CaseDriver.start(dev_worker.client, policy, task_queue)
    sent = (await case.handle.describe()).start_time.date() - timedelta(days=365)
    await case.complete(
        TaskType.ontvangstbevestiging, COID, {"verzonden_op": sent.isoformat(), "kanaal": "post"}
    )
    await case.complete(TaskType.intake_contact, COID, {"samenvatting": "Melder gesproken."})
    await case.choose("onderzoek_overwogen")  # on to the weging; the feedback is still late
    feedback = await case.open_task(TaskType.terugkoppeling_melder)
    assert feedback.due_at < datetime.now(UTC) and feedback.escalation_level > 0  # escalated
    query = f"Phase='weging' AND Overdue=true AND CaseNumber='{case.case_id}'"

    assert await listed(dev_worker.client, query) == [case.case_id]
    address = dev_worker.client.service_client.config.target_host
    cli = subprocess.run(
        [str(temporal_cli_path()), "workflow", "list", "--address", address, "--query", query],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    assert case.case_id in cli.stdout

    await case.complete(TaskType.terugkoppeling_melder, COID, {"verslag": "Alsnog gedaan."})
    assert await listed(dev_worker.client, query.replace("true", "false")) == [case.case_id]
