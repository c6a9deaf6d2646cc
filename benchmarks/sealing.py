"""A throwaway payload key ring for one benchmark run, shared by its client and every worker.

Benchmarks measure what production runs: sealed payloads (issue 9) and the case search
attributes registered on the server they start (the workflow upserts them).
"""

from __future__ import annotations

from temporalio.client import Client
from temporalio.converter import DataConverter

from sg989.codec import encrypted_converter
from sg989.keys import new_key_line, parse_keys
from sg989.temporal import register_search_attributes

# Shaped like a production key (id and all): every sealed payload carries the key id.
BENCH_KEYS = new_key_line().strip()


def bench_converter() -> DataConverter:
    return encrypted_converter(parse_keys(BENCH_KEYS, "benchmark"))


async def ready_for_cases(client: Client) -> Client:
    await register_search_attributes(client)
    return client
