"""The `sg989` command: start the stack, run the demo, read timelines, reports and tokens."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Annotated

import structlog
import typer
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from sg989 import collector
from sg989.cli_audit import verify_audit_cmd
from sg989.cli_directory import directory_app
from sg989.cli_output import fail, say, settings_problem
from sg989.cli_reports import import_cmd, publish_cmd, report_cmd
from sg989.cli_token import token_cmd
from sg989.logging import configure_logging
from sg989.settings import Settings, get_settings

log = structlog.get_logger("sg989")
app = typer.Typer(
    help="sg989: the case engine for SG-989 integrity investigations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("token")(token_cmd)
app.command("import")(import_cmd)
app.command("report")(report_cmd)
app.command("publish")(publish_cmd)
app.add_typer(directory_app, name="directory")
app.command("verify-audit")(verify_audit_cmd)


_fail = fail
_say = say


def _store(settings: Settings) -> Engine:
    """The store at the newest schema (migrated on the embedded default), or exit 2 saying why."""
    from sg989.store_check import StoreNotReady, ready_engine

    try:
        return ready_engine(settings, say=_say)
    except StoreNotReady as exc:
        raise _fail(str(exc)) from None


def run() -> None:
    """The console script: a user error exits 2 with one line; nothing ends in a traceback."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug: say it in one line, the traceback only on request
        if os.environ.get("SG989_DEBUG"):
            raise
        message = (
            f"unexpected {exc.__class__.__name__}: {exc} "
            "(a bug in sg989; SG989_DEBUG=1 shows the traceback)"
        )
        sys.exit(fail(message, code=1, exc=exc).exit_code)


@app.callback()
def main() -> None:
    try:
        settings = get_settings()
    except ValidationError as exc:
        configure_logging()
        raise fail(settings_problem(exc)) from None
    configure_logging(settings.log_format)


@app.command()
def up(
    separate: Annotated[
        bool | None,
        typer.Option(
            "--separate/--one-process",
            help="worker and API as two processes or in one (default: SG989_UP_PROCESSES, "
            "else separate)",
        ),
    ] = None,
) -> None:
    """Start Temporal (persistent dev server), run migrations, then the worker and the API."""
    from sg989.stack import run_stack
    from sg989.supervise import GaveUp

    settings = get_settings()
    if separate is None and settings.up_processes not in ("separate", "one"):
        raise _fail(
            f"SG989_UP_PROCESSES is '{settings.up_processes}'; use separate (the default) or one"
        )
    try:
        asyncio.run(run_stack(settings, separate=separate))
    except GaveUp as exc:
        raise fail(str(exc), code=1) from None


@app.command()
def worker() -> None:
    """Run only the worker, against the Temporal server in SG989_TEMPORAL_ADDRESS."""
    from sg989.stack import wait_for_temporal
    from sg989.telemetry import install_runtime
    from sg989.worker import build_worker
    from workflows.dispatcher import ensure_dispatcher

    settings = get_settings()
    engine = _store(settings)
    install_runtime(settings.worker_metrics_address)

    async def serve() -> None:
        try:
            client = await wait_for_temporal(settings)
        except RuntimeError as exc:
            raise _fail(str(exc)) from None
        await ensure_dispatcher(client, settings.task_queue)  # issue 10: notifications
        log.info("worker_started", task_queue=settings.task_queue)
        worker = build_worker(client, engine, settings.task_queue, settings)
        collector.settle(settings.gc_young_threshold)
        await worker.run()

    asyncio.run(serve())


@app.command()
def api() -> None:
    """Run only the API (uvicorn), on SG989_API_HOST:SG989_API_PORT; logs as SG989_LOG_FORMAT."""
    import uvicorn

    settings = get_settings()
    _store(settings)  # the schema is at head, or one line says what to run
    uvicorn.run(
        "api.main:app_factory",
        factory=True,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        proxy_headers=True,
    )


@app.command()
def migrate() -> None:
    """Bring the store's schema up to date (Alembic upgrade head)."""
    from sqlalchemy.exc import SQLAlchemyError

    from sg989.store_check import display_url
    from store.migrate import upgrade_to_head

    settings = get_settings()
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.sqlalchemy_url
    try:
        upgrade_to_head(url)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        raise _fail(f"cannot migrate the store at {display_url(url)}: {reason}") from None
    typer.echo(f"store at {display_url(url)} is up to date")


@app.command()
def doctor() -> None:
    """Check settings, store, Temporal, search attributes, keys, SMTP, directory; exit 1 if bad."""
    from sg989.doctor import run_checks
    from store.db import make_engine

    settings = get_settings()
    engine = make_engine(settings.sqlalchemy_url)
    checks = asyncio.run(run_checks(settings, engine))
    for check in checks:
        typer.echo(check.line())
    failing = [check.name for check in checks if check.status == "fail"]
    if failing:
        typer.echo(f"{len(failing)} problem(s): {', '.join(failing)}", err=True)
        raise typer.Exit(code=1)
    typer.echo("sg989 is fit to run", err=True)


@app.command()
def demo() -> None:
    """Drive one case through the full path with an investigation and print its timeline."""
    from sg989.demo import run_demo
    from sg989.stack import temporal_reachable
    from sg989.temporal import connect
    from sg989.timeline_view import format_timeline

    settings = get_settings()

    async def drive() -> str:
        if not await temporal_reachable(settings):
            address = settings.temporal_address
            raise _fail(f"no Temporal server at {address}: start sg989 with `make run` first")
        engine = _store(settings)
        case_id = await run_demo(await connect(settings), engine, settings.task_queue)
        typer.echo(format_timeline(engine, case_id))
        return case_id

    asyncio.run(drive())


@app.command()
def timeline(
    case_id: Annotated[str, typer.Argument(help="Case number, e.g. ZK-2026-00001")],
) -> None:
    """Print the audit timeline of a case and check its hash chain."""
    from sg989.timeline_view import format_timeline

    text = format_timeline(_store(get_settings()), case_id)
    if text.startswith("No timeline for"):  # an unknown case number is the user's to correct
        raise _fail(text)
    typer.echo(text)
