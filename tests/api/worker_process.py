"""A worker in a process of its own, as in production: `python -m tests.api.worker_process
<temporal address> <task queue> <database url>`. Prints "ready" once it polls."""

from __future__ import annotations

import asyncio
import os
import sys

from temporalio.client import Client

from sg989.codec import encrypted_converter
from sg989.keys import parse_keys
from sg989.worker import build_worker
from store.db import make_engine


async def main(address: str, task_queue: str, database_url: str) -> None:
    # The test session's key ring (SG989_PAYLOAD_KEYS): the worker decodes what the tests seal.
    ring = parse_keys(os.environ["SG989_PAYLOAD_KEYS"], "tests")
    client = await Client.connect(address, data_converter=encrypted_converter(ring))
    async with build_worker(client, make_engine(database_url), task_queue):
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
