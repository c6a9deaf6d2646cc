"""A worker whose store writes never finish, in a process of its own, to be killed:
`python -m tests.workflows.stuck_worker_process <temporal address> <task queue>`.
Prints "ready" once it polls."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from domain.transition import RECORD_STEP, CaseStep
from sg989.codec import encrypted_converter
from sg989.keys import parse_keys
from sg989.worker import workflow_runner
from workflows.case import CaseWorkflow


@activity.defn(name=RECORD_STEP)
def record_step(step: CaseStep) -> bool:
    threading.Event().wait()  # until the process is killed
    return False


async def main(address: str, task_queue: str) -> None:
    ring = parse_keys(os.environ["SG989_PAYLOAD_KEYS"], "tests")
    client = await Client.connect(address, data_converter=encrypted_converter(ring))
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[CaseWorkflow],
        activities=[record_step],
        activity_executor=ThreadPoolExecutor(max_workers=2),
        workflow_runner=workflow_runner(),
    ):
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:3]))
