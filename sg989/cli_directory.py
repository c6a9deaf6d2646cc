"""`sg989 directory ...`: the directory of people and the notifications that did not arrive."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

directory_app = typer.Typer(
    help="The directory of people (who holds which role where) and undeliverable notifications.",
    no_args_is_help=True,
)


def _engine() -> Engine:
    from sg989.settings import get_settings
    from store.db import make_engine
    from store.migrate import upgrade_to_head

    url = get_settings().sqlalchemy_url
    upgrade_to_head(url)
    return make_engine(url)


def _known_roles() -> set[str]:
    from domain.people import known_roles
    from sg989.policy_files import load_policy
    from sg989.settings import get_settings

    file = get_settings().policy_file
    return known_roles(load_policy(file) if file else load_policy())


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


@directory_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV: sub,name,email,roles,units,delivery,active")],
) -> None:
    """Add or update the people in FILE; a file with any error changes nothing."""
    from store.people import DirectoryImportRejected, import_people_csv

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"cannot read {file}: {exc}") from None
    try:
        result = import_people_csv(_engine(), text, _known_roles())
    except DirectoryImportRejected as exc:
        for error in exc.errors:
            typer.echo(f"{file}: {error}", err=True)
        raise _fail(f"{len(exc.errors)} error(s) in {file}; nothing was imported") from None
    typer.echo(f"{file}: {result.added} people added, {result.updated} updated")


@directory_app.command("list")
def list_cmd(
    all_: Annotated[bool, typer.Option("--all", help="also people no longer active")] = False,
) -> None:
    """Everyone in the directory: sub, name, e-mail, roles, units, delivery."""
    from sqlmodel import Session

    from store.people import list_people

    with Session(_engine()) as session:
        for p in list_people(session, include_inactive=all_):
            state = "" if p.active else "  (inactive)"
            typer.echo(
                f"{p.sub:<16} {p.name:<28} {p.email or '-':<32} {','.join(p.roles):<30} "
                f"{','.join(p.units)} {p.delivery}{state}"
            )


@directory_app.command("undeliverable")
def undeliverable_cmd(
    retry: Annotated[
        bool, typer.Option(help="resolve them again (after fixing the directory)")
    ] = False,
) -> None:
    """Notifications that reached nobody, with the reason; exit code 1 if there are any."""
    from sqlmodel import Session

    from sg989.settings import get_settings
    from store.db import session_scope
    from store.notifications import retry_undeliverable, undeliverable

    engine = _engine()
    if retry:
        domain = get_settings().smtp_from.rpartition("@")[2] or "sg989.local"
        with session_scope(engine) as session:
            count = retry_undeliverable(session, now=datetime.now(UTC), domain=domain)
        typer.echo(f"{count} notification(s) resolved again")
    with Session(engine) as session:
        rows = undeliverable(session)
        for row in rows:
            typer.echo(
                f"{row.case_id} #{row.seq}.{row.idx} {row.kind:<18} "
                f"{row.recipient or '(nobody)'}: {row.reason or row.last_error}"
            )
    if rows:
        raise typer.Exit(code=1)
    typer.echo("every notification has been delivered or is on its way")
