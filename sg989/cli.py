"""The `sg989` command: start the stack, run the demo, read timelines, reports and tokens."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from sg989.cli_reports import import_cmd, publish_cmd, report_cmd
from sg989.cli_token import token_cmd
from sg989.logging import configure_logging
from sg989.settings import Settings, get_settings

app = typer.Typer(
    help="sg989: the case engine for SG-989 integrity investigations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("token")(token_cmd)
app.command("import")(import_cmd)
app.command("report")(report_cmd)
app.command("publish")(publish_cmd)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def _say(line: str) -> None:
    typer.echo(line, err=True)


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
        logging.getLogger("sg989").debug("unexpected error", exc_info=True)
        typer.echo(
            f"error: unexpected {exc.__class__.__name__}: {exc} "
            "(a bug in sg989; SG989_DEBUG=1 shows the traceback)",
            err=True,
        )
        sys.exit(1)


@app.callback()
def main() -> None:
    configure_logging(get_settings().log_format)


@app.command()
def up() -> None:
    """Start Temporal (persistent dev server), run migrations, then the worker and the API."""
    from sg989.stack import run_stack

    asyncio.run(run_stack(get_settings()))


@app.command()
def worker() -> None:
    """Run only the worker, against the Temporal server in SG989_TEMPORAL_ADDRESS."""
    from sg989.stack import wait_for_temporal
    from sg989.worker import build_worker

    settings = get_settings()
    engine = _store(settings)

    async def serve() -> None:
        try:
            client = await wait_for_temporal(settings)
        except RuntimeError as exc:
            raise _fail(str(exc)) from None
        await build_worker(client, engine, settings.task_queue).run()

    asyncio.run(serve())


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

    typer.echo(format_timeline(_store(get_settings()), case_id))
