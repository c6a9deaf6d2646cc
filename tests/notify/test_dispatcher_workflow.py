"""The dispatcher runs on the worker (a workflow keeping one heartbeating activity alive) and
delivers what cases write to the outbox, within seconds, on the real Temporal dev server."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy.engine import Engine

from domain.notifications import DispatcherInput
from domain.phases import TaskType
from sg989.mail_sink import MailSink
from sg989.settings import Settings
from sg989.worker import build_worker
from tests.notify.conftest import MELDER
from tests.workflows.driver import COID, CaseDriver
from workflows.dispatcher import dispatcher_id, ensure_dispatcher


async def _arrived(sink: MailSink, count: int, timeout: float = 30) -> None:
    stop = time.monotonic() + timeout
    while len(sink.received) < count and time.monotonic() < stop:
        await asyncio.sleep(0.1)


async def test_the_worker_delivers_a_new_case_s_notifications(
    dev_env, policy, task_queue: str, directory: Engine, sink: MailSink, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        smtp_port=sink.port,  # type: ignore[attr-defined]
        smtp_from="sg989@defensie.example",
        notify_poll_seconds=0.1,
    )
    async with build_worker(dev_env.client, directory, task_queue, settings):
        cfg = DispatcherInput(run_seconds=20, heartbeat_seconds=5)
        await ensure_dispatcher(dev_env.client, task_queue, cfg)
        await ensure_dispatcher(dev_env.client, task_queue, cfg)  # a second start joins the first
        case = await CaseDriver.start(dev_env.client, policy, task_queue, store=directory)
        await _arrived(sink, 2)  # ontvangstbevestiging and intake contact, to the adviser
        await case.complete(
            TaskType.ontvangstbevestiging,
            COID,
            {"verzonden_op": "2026-11-30", "kanaal": "email", "bericht_aan_melder": "Dank u."},
        )
        await _arrived(sink, 4)  # the melder's receipt and the terugkoppeling task
        await dev_env.client.get_workflow_handle(dispatcher_id(task_queue)).terminate("test over")

    to = sorted(m.to[0] for m in sink.received)
    assert to == ["coid@example.org"] * 3 + [MELDER]
    melder = next(m for m in sink.received if m.to == [MELDER])
    assert melder.body.endswith("Dank u.\n") and case.case_id in melder.body


async def test_delivery_survives_an_smtp_outage_and_a_worker_restart(
    dev_env, task_queue: str, directory: Engine, sink: MailSink, tmp_path: Path
) -> None:
    from collections import Counter

    from tests.notify.outbox import add_case, add_note

    settings = Settings(
        data_dir=tmp_path,
        smtp_port=sink.port,  # type: ignore[attr-defined]
        notify_poll_seconds=0.1,
    )
    cfg = DispatcherInput(run_seconds=30, heartbeat_seconds=2)
    add_case(directory, "ZK-50")
    sink.refuse = True  # the mail server is in trouble
    async with build_worker(dev_env.client, directory, task_queue, settings):
        await ensure_dispatcher(dev_env.client, task_queue, cfg)
        for role in ("commandant", "coid_adviseur", "jurist"):
            add_note(directory, "ZK-50", role)
        await asyncio.sleep(2)
    assert sink.received == []  # nothing got through, nothing was given up either

    sink.refuse = False
    async with build_worker(dev_env.client, directory, task_queue, settings):  # a new worker
        add_note(directory, "ZK-50", "hac", "escalatie")
        await _arrived(sink, 4, timeout=60)
        await asyncio.sleep(1)
        await dev_env.client.get_workflow_handle(dispatcher_id(task_queue)).terminate("test over")
    assert Counter(m.to[0] for m in sink.received) == Counter(
        ["cdt@example.org", "coid@example.org", "jur@example.org", "hac@example.org"]
    )
