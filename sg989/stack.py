"""The embedded default: Temporal dev server (persistent), migrations, worker and API in one go."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import structlog
from temporalio.client import Client

from sg989 import collector
from sg989.settings import Settings
from sg989.supervise import Supervised, supervise
from sg989.telemetry import install_runtime
from sg989.temporal import connect, temporal_cli_path
from workflows.search import server_flags

log = structlog.get_logger(__name__)


def start_temporal_dev_server(settings: Settings) -> subprocess.Popen[bytes]:
    """`temporal server start-dev` with its database under the data folder, so cases survive."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    host, _, port = settings.temporal_address.rpartition(":")
    log_file = (settings.data_dir / "temporal.log").open("ab")
    command = [
        str(temporal_cli_path()),
        "server",
        "start-dev",
        "--db-filename", str(settings.data_dir / "temporal.db"),
        "--ip", host or "127.0.0.1",
        "--port", port,
        "--ui-port", str(settings.temporal_ui_port),
        "--namespace", settings.temporal_namespace,
        "--log-level", "warn",
        *server_flags(),  # search attributes (issue 9)
        "--ui-codec-endpoint", f"http://{settings.api_host}:{settings.api_port}/codec",
    ]  # fmt: skip
    log.info("temporal_starting", db=str(settings.data_dir / "temporal.db"), log=log_file.name)
    # A session of its own: Ctrl-C reaches `sg989 up` only, which stops the server last, after
    # the worker has finished its tasks (else the worker retries against a dead server).
    return subprocess.Popen(
        command, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
    )


async def wait_for_temporal(settings: Settings, attempts: int = 60) -> Client:
    for attempt in range(1, attempts + 1):
        try:
            return await connect(settings)
        except Exception as exc:  # the server is still starting
            if attempt == attempts:
                raise RuntimeError(
                    f"Temporal did not answer at {settings.temporal_address}: {exc}; "
                    f"see {settings.data_dir / 'temporal.log'}"
                ) from exc
            await asyncio.sleep(0.5)
    raise AssertionError("unreachable")


async def temporal_reachable(settings: Settings) -> bool:
    try:
        await asyncio.wait_for(connect(settings), timeout=2)
        return True
    except Exception:
        return False


def _dev_server(settings: Settings) -> Supervised:
    hint = f"; see {settings.data_dir / 'temporal.log'}"
    return Supervised("Temporal dev server", lambda: start_temporal_dev_server(settings), hint)


def _sg989_process(command: str) -> subprocess.Popen[bytes]:
    """`sg989 worker` or `sg989 api` as a child, with this process's environment (SG989_*)."""
    return subprocess.Popen([sys.executable, "-m", "sg989", command])


def _stop_signal() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: the terminal closed
        loop.add_signal_handler(sig, stop.set)
    return stop


async def run_stack(settings: Settings, separate: bool | None = None) -> None:
    """Run until Ctrl-C or SIGTERM; then stop the API, the worker and Temporal, in that order.

    A Temporal dev server started here is restarted when it dies. The worker and the API run
    as two child processes, each restarted when it dies, unless `separate` is False (or
    SG989_UP_PROCESSES=one): then they share this process and one Temporal client.
    """
    from store.migrate import upgrade_to_head

    if separate is None:
        separate = settings.up_processes == "separate"
    install_runtime("" if separate else settings.worker_metrics_address)
    children: list[Supervised] = []
    if not await temporal_reachable(settings):
        children.append(_dev_server(settings))
    stop = _stop_signal()
    mail_sink = None
    try:
        client = await wait_for_temporal(settings)
        upgrade_to_head(settings.sqlalchemy_url)
        mail_sink = _start_mail_sink(settings)  # issue 10: the mail a deployment would send
        if separate:
            _create_local_keys(settings)
            children.append(Supervised("sg989 worker", lambda: _sg989_process("worker")))
            children.append(Supervised("sg989 api", lambda: _sg989_process("api")))
            _announce(settings)
            await supervise(children, stop)
            return
        await _serve_in_this_process(settings, client, children, stop)
    finally:
        if mail_sink is not None:
            mail_sink.stop()
        for child in reversed(children):  # API, worker, then Temporal
            child.stop()
        log.info("stopped")


async def _serve_in_this_process(
    settings: Settings, client: Client, children: list[Supervised], stop: asyncio.Event
) -> None:
    """Worker and API on this process's event loop, sharing one Temporal client."""
    from api.main import build_server, create_app
    from sg989.worker import build_worker
    from store.db import make_engine
    from workflows.dispatcher import ensure_dispatcher

    engine = make_engine(settings.sqlalchemy_url)
    app = create_app(settings, engine, client_provider=_fixed(client))
    api = build_server(app, settings)
    worker = build_worker(client, engine, settings.task_queue, settings)
    collector.settle(settings.gc_young_threshold)
    _announce(settings)
    async with worker:
        await ensure_dispatcher(client, settings.task_queue)
        serving = asyncio.create_task(api.serve())
        try:
            await supervise(children, stop)
        finally:
            api.should_exit = True
            await serving


def _create_local_keys(settings: Settings) -> None:
    """The audit key and the local signing key, made here before the children start, so that
    on a fresh data folder no child reads a key file while another process is still writing it.
    (The payload keys are made by the client's connection above.)"""
    from api.auth import local_private_key
    from store.audit_key import audit_key

    audit_key()
    if not settings.jwks_url:
        local_private_key(settings)


def _fixed(client: Client):  # type: ignore[no-untyped-def]
    async def provide() -> Client:
        return client

    return provide


def _start_mail_sink(settings: Settings):  # type: ignore[no-untyped-def]
    """The local SMTP sink of the embedded default; every message lands in data/mail/."""
    if not settings.smtp_sink:
        return None
    from sg989.mail_sink import MailSink, start_sink

    folder = Path(settings.data_dir).resolve() / "mail"
    try:
        return start_sink(settings.smtp_host, settings.smtp_port, MailSink(folder=folder))
    except RuntimeError as exc:
        raise SystemExit(f"error: {exc}") from None  # a sentence, not a traceback


def _announce(settings: Settings) -> None:
    from api.main import docs_url

    data = Path(settings.data_dir).resolve()
    print(
        "\nsg989 is running (Ctrl-C stops it; cases and timers persist in "
        f"{data}):\n"
        f"  Web app      http://{settings.api_host}:{settings.api_port}/app\n"
        f"  API docs     {docs_url(settings)}\n"
        f"  Temporal UI  http://127.0.0.1:{settings.temporal_ui_port}\n"
        f"  Store        {settings.sqlalchemy_url}\n"
        f"  Mail         {_mail_where(settings)}\n"
        "  Try          .venv/bin/sg989 demo   (in another terminal)\n",
        flush=True,
    )


def _mail_where(settings: Settings) -> str:
    if settings.smtp_sink:
        folder = Path(settings.data_dir).resolve() / "mail"
        return f"{folder}/ (local SMTP sink on {settings.smtp_host}:{settings.smtp_port})"
    return f"SMTP {settings.smtp_host}:{settings.smtp_port}"
