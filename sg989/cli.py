"""The `sg989` command: start the stack, run the demo, read timelines, reports and tokens."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from sg989.cli_audit import verify_audit_cmd
from sg989.cli_reports import import_cmd, publish_cmd, report_cmd
from sg989.cli_token import token_cmd
from sg989.logging import configure_logging
from sg989.settings import get_settings

app = typer.Typer(
    help="sg989: the case engine for SG-989 integrity investigations.", no_args_is_help=True
)
app.command("token")(token_cmd)
app.command("import")(import_cmd)
app.command("report")(report_cmd)
app.command("publish")(publish_cmd)
app.command("verify-audit")(verify_audit_cmd)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


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
    from store.db import make_engine

    async def serve() -> None:
        settings = get_settings()
        client = await wait_for_temporal(settings)
        await build_worker(client, make_engine(settings.sqlalchemy_url), settings.task_queue).run()

    asyncio.run(serve())


@app.command()
def migrate() -> None:
    """Bring the store's schema up to date (Alembic upgrade head)."""
    from store.migrate import upgrade_to_head

    url = get_settings().sqlalchemy_url
    upgrade_to_head(url)
    typer.echo(f"store at {url} is up to date")


@app.command()
def demo() -> None:
    """Drive one case through the full path with an investigation and print its timeline."""
    from sg989.demo import run_demo
    from sg989.stack import temporal_reachable
    from sg989.temporal import connect
    from sg989.timeline_view import format_timeline
    from store.db import make_engine
    from store.migrate import upgrade_to_head

    settings = get_settings()

    async def drive() -> str:
        if not await temporal_reachable(settings):
            address = settings.temporal_address
            raise _fail(f"no Temporal server at {address}: start sg989 with `make run` first")
        upgrade_to_head(settings.sqlalchemy_url)
        engine = make_engine(settings.sqlalchemy_url)
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
    from store.db import make_engine

    typer.echo(format_timeline(make_engine(get_settings().sqlalchemy_url), case_id))
