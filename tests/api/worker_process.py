"""A worker in a process of its own, as in production: `python -m tests.api.worker_process
<temporal address> <task queue> <database url>`. Prints "ready" once it polls."""

from __future__ import annotations

import asyncio
import sys

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from sg989.worker import build_worker
from store.db import make_engine


async def main(address: str, task_queue: str, database_url: str) -> None:
    client = await Client.connect(address, data_converter=pydantic_data_converter)
    async with build_worker(client, make_engine(database_url), task_queue):
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
