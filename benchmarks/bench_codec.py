"""Cost of sealing payloads: `python -m benchmarks.bench_codec [--rounds N]`.

Converts two payloads a case sends to Temporal payloads and back, N times with the plain
pydantic converter and N times with the sealing one (deflate where it pays, then AES-256-GCM),
in this process: the start input (melding facts plus policy, the largest) and one task
completion (the most frequent). Prints sizes, timings and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from pydantic import BaseModel
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

from benchmarks.sealing import bench_converter
from domain.case import Actor, MeldingFacts
from domain.requests import CompleteTask, StartCase
from domain.roles import Role
from sg989.policy_files import load_policy


def start_input() -> StartCase:
    melding = MeldingFacts.model_validate(
        {
            "unit": "CLAS/11LMB", "category": "ongewenste_omgangsvormen",
            "channel": "webformulier", "melder_type": "medewerker",
            "betrokkenen": ["BTR-1", "BTR-2"], "has_contact": True,
        }
    )  # fmt: skip
    actor = Actor(sub="cdt-1", name="Kolonel", roles=[Role.commandant], units=["CLAS"])
    return StartCase(
        case_id="ZK-2026-0001", melding=melding, registered_by=actor, policy=load_policy()
    )


def task_completion() -> CompleteTask:
    actor = Actor(sub="coid-1", name="A. Adviseur", roles=[Role.coid_adviseur], units=["CLAS"])
    return CompleteTask(
        actor=actor,
        task_id="ZK-2026-0001-T05",
        payload={"advies": "onderzoek", "motivering": "Concrete aanwijzingen."},
    )


async def round_trips(converter: DataConverter, value: BaseModel, rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        payloads = await converter.encode([value])
        await converter.decode(payloads, [type(value)])
    return (time.perf_counter() - started) / rounds


async def measure(name: str, value: BaseModel, rounds: int) -> None:
    sealed = bench_converter()
    plain_size = len((await pydantic_data_converter.encode([value]))[0].SerializeToString())
    sealed_size = len((await sealed.encode([value]))[0].SerializeToString())
    await round_trips(sealed, value, 20)  # warm up
    plain = await round_trips(pydantic_data_converter, value, rounds)
    encrypted = await round_trips(sealed, value, rounds)
    print(f"{name}: {plain_size} bytes plain, {sealed_size} bytes sealed")
    print(f"  round trip (encode+decode), {rounds} rounds:")
    print(f"    plain      {plain * 1e6:8.1f} µs")
    print(f"    sealed     {encrypted * 1e6:8.1f} µs   ratio {encrypted / plain:.2f}x")


async def main(rounds: int) -> None:
    await measure("start input", start_input(), rounds)
    await measure("task completion", task_completion(), rounds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2000)
    asyncio.run(main(parser.parse_args().rounds))
