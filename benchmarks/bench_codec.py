"""Cost of sealing payloads: `python -m benchmarks.bench_codec [--rounds N]`.

Converts the start input of a case (melding plus policy, the largest payload a case sends) to
Temporal payloads and back, N times with the plain pydantic converter and N times with the
encrypting one, in this process. Prints figures and the ratio; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import secrets
import time

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

from domain.case import Actor, Melding, StartCase
from domain.roles import Role
from sg989.codec import encrypted_converter
from sg989.keys import parse_keys
from sg989.policy_files import load_policy


def start_input() -> StartCase:
    melding = Melding(
        unit="CLAS/11LMB", category="ongewenste_omgangsvormen", channel="webformulier",
        melder_type="medewerker", melder_contact="melder@example.invalid",
        description="Herhaald kleineren van een collega tijdens oefening. " * 20,
        betrokkenen=["BTR-1", "BTR-2"],
    )  # fmt: skip
    actor = Actor(sub="cdt-1", name="Kolonel", roles=[Role.commandant], units=["CLAS"])
    return StartCase(
        case_id="ZK-2026-0001", melding=melding, registered_by=actor, policy=load_policy()
    )


async def round_trips(converter: DataConverter, value: StartCase, rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        payloads = await converter.encode([value])
        await converter.decode(payloads, [StartCase])
    return (time.perf_counter() - started) / rounds


async def main(rounds: int) -> None:
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    sealed = encrypted_converter(parse_keys(f"bench:{key}", "bench"))
    value = start_input()
    plain_size = len((await pydantic_data_converter.encode([value]))[0].SerializeToString())
    sealed_size = len((await sealed.encode([value]))[0].SerializeToString())
    await round_trips(sealed, value, 20)  # warm up
    plain = await round_trips(pydantic_data_converter, value, rounds)
    encrypted = await round_trips(sealed, value, rounds)
    print(f"start input: {plain_size} bytes plain, {sealed_size} bytes sealed")
    print(f"round trip (encode+decode), {rounds} rounds:")
    print(f"  plain      {plain * 1e6:8.1f} µs")
    print(f"  encrypted  {encrypted * 1e6:8.1f} µs   ratio {encrypted / plain:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2000)
    asyncio.run(main(parser.parse_args().rounds))
