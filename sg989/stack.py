"""The embedded default: Temporal dev server (persistent), migrations, worker and API in one go."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
from pathlib import Path

import structlog
from temporalio.client import Client

from sg989.settings import Settings
from sg989.temporal import connect, temporal_cli_path

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
    ]  # fmt: skip
    log.info("temporal_starting", db=str(settings.data_dir / "temporal.db"), log=log_file.name)
    return subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)


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


async def run_stack(settings: Settings) -> None:
    """Run until Ctrl-C or SIGTERM; then stop the API, the worker and Temporal, in that order."""
    from api.main import build_server, create_app
    from sg989.worker import build_worker
    from store.db import make_engine
    from store.migrate import upgrade_to_head

    server_process = None
    if not await temporal_reachable(settings):
        server_process = start_temporal_dev_server(settings)
    try:
        client = await wait_for_temporal(settings)
        upgrade_to_head(settings.sqlalchemy_url)
        engine = make_engine(settings.sqlalchemy_url)
        app = create_app(settings, engine, client_provider=_fixed(client))
        api = build_server(app, settings)
        worker = build_worker(client, engine, settings.task_queue)
        _announce(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with worker:
            serving = asyncio.create_task(api.serve())
            await stop.wait()
            api.should_exit = True
            await serving
    finally:
        if server_process is not None:
            server_process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                server_process.wait(timeout=15)
        log.info("stopped")


def _fixed(client: Client):  # type: ignore[no-untyped-def]
    async def provide() -> Client:
        return client

    return provide


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
        "  Try          .venv/bin/sg989 demo   (in another terminal)\n",
        flush=True,
    )
