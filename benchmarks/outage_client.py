"""What the client of the outage scenarios does and sees (``benchmarks.outages``): task
completions with an Idempotency-Key, sent again to another replica (or the same one) when an
answer is lost or a 5xx, and the tally of what came back."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from api.tokens import issue_local_token
from sg989.settings import Settings

RECEIPT = {"verzonden_op": "2026-11-30", "kanaal": "email"}
CONTACT = {"samenvatting": "Melder gesproken."}
PAYLOADS = {"ontvangstbevestiging": RECEIPT, "intake_contact": CONTACT}


@dataclass
class Seen:
    """What the client saw: every answer by status, connection errors, and when."""

    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    first_tries_failed: int = 0
    retries: int = 0
    done_at: list[float] = field(default_factory=list)
    failed_then_done_at: list[float] = field(default_factory=list)
    problems: collections.Counter[str] = field(default_factory=collections.Counter)
    unfinished: int = 0
    first_sent_done: list[tuple[float, float]] = field(default_factory=list)  # answered at once


async def complete_with_retries(
    http: httpx.AsyncClient,
    bases: Sequence[str],
    first: int,
    task_id: str,
    payload: dict[str, str],
    headers: dict[str, str],
    seen: Seen,
    within: float,
) -> None:
    """POST the completion; on no answer or a 5xx, again (same key) on the next replica."""
    sent = time.perf_counter()
    deadline = sent + within
    attempt = 0
    while time.perf_counter() < deadline:
        base = bases[(first + attempt) % len(bases)]
        try:
            response = await http.post(
                f"{base}/tasks/{task_id}/complete", json=payload, headers=headers, timeout=120
            )
            status = str(response.status_code)
        except httpx.TransportError as exc:
            response, status = None, f"no answer ({exc.__class__.__name__})"
        seen.statuses[status] += 1
        if response is not None and response.status_code < 500:
            if response.status_code != 200:
                seen.problems[f"{status}: {response.json().get('detail', '')[:90]}"] += 1
            seen.done_at.append(time.perf_counter())
            if attempt:
                seen.failed_then_done_at.append(time.perf_counter())
            else:
                seen.first_sent_done.append((sent, time.perf_counter()))
            return
        if response is not None:
            seen.problems[f"{status}: {response.json().get('detail', '')[:90]}"] += 1
        if attempt == 0:
            seen.first_tries_failed += 1
        seen.retries += 1
        attempt += 1
        await asyncio.sleep(min(0.25 * attempt, 2.0))
    seen.unfinished += 1


def coid_headers(data_dir: Path, key: str) -> dict[str, str]:
    token = issue_local_token(
        Settings(data_dir=data_dir),
        sub="coid-1",
        name="Bench COID",
        roles=["coid_adviseur"],
        units=["CLAS"],
    )
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": key}


async def burst(
    bases: list[str], tasks: list[tuple[str, str]], data_dir: Path, seen: Seen, parallel: int
) -> None:
    gate = asyncio.Semaphore(parallel)
    run = time.time_ns()

    async def one(index: int, task_id: str, task_type: str) -> None:
        async with gate:
            headers = coid_headers(data_dir, f"bench-{run}-{task_id}")
            await complete_with_retries(
                http, bases, index, task_id, PAYLOADS[task_type], headers, seen, within=300
            )

    limits = httpx.Limits(max_connections=parallel * 2)
    async with httpx.AsyncClient(limits=limits) as http:
        await asyncio.gather(*(one(i, task_id, kind) for i, (task_id, kind) in enumerate(tasks)))


def report(seen: Seen, started: float, cut_at: float, total: int) -> None:
    answered = sum(seen.statuses.values())
    print(f"requests: {total} completions, {answered} answers or errors seen by the client")
    for status, count in sorted(seen.statuses.items()):
        print(f"  {status}: {count}")
    for problem, count in seen.problems.most_common(4):
        print(f"  ({count}x) {problem}")
    print(f"  first tries that failed: {seen.first_tries_failed}, retries: {seen.retries}")
    if seen.unfinished:
        print(f"  gave up (300 s): {seen.unfinished}")
    if seen.done_at:
        print(f"  whole burst {max(seen.done_at) - started:.1f} s")
    if seen.failed_then_done_at:
        print(
            f"  every failed request answered by {max(seen.failed_then_done_at) - cut_at:.1f} s "
            "after the loss"
        )
