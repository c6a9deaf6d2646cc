"""`sg989 import`, `sg989 report` and `sg989 publish`: commands over the reports package.

Each command is a plain function with explicit parameters so that sg989/cli.py can register it;
`reports_app` bundles them for a standalone Typer app.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from domain.roles import Defensieonderdeel
from reports.annual import annual_report
from reports.facts import load_facts
from reports.importer import ImportRejected, import_csv
from reports.publish import DEFAULT_MINIMUM, parse_quarter, publication, render_publication
from reports.render import FORMATS, render
from sg989.cli_output import fail, say

reports_app = typer.Typer(help="Legacy import, annual reports and anonymised publication.")


_fail = fail


def _engine() -> Engine:
    from sg989.settings import get_settings
    from sg989.store_check import StoreNotReady, ready_engine

    try:
        return ready_engine(get_settings(), say=say)
    except StoreNotReady as exc:
        raise _fail(str(exc)) from None


def parse_do(text: str | None) -> str | None:
    if text is None:
        return None
    for do in Defensieonderdeel:
        if do.value.lower() == text.lower():
            return do.value
    known = ", ".join(d.value for d in Defensieonderdeel)
    raise ValueError(f"'{text}' is not a defensieonderdeel (known: {known})")


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _fail(f"cannot write {output}: {exc.strerror or exc}") from None
    say(f"written {output}")


def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV file in the schema of README (Reports)")],
    imported_by: Annotated[str | None, typer.Option(help="who imports (default: OS user)")] = None,
) -> None:
    """Import closed cases from a legacy registration (MVV/PSMV, COID-register, BPS)."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"cannot read {file}: {exc}") from None
    progress = say
    try:
        result = import_csv(_engine(), text, file.name, imported_by or getpass.getuser(), progress)
    except ImportRejected as rejected:
        for error in rejected.errors:
            say(error)
        raise _fail(f"{file.name}: {len(rejected.errors)} error(s); nothing was imported") from None
    typer.echo(result.summary)


def report_cmd(
    year: Annotated[int, typer.Option(help="report year; the two years before it are shown too")],
    do: Annotated[str | None, typer.Option(help="one defensieonderdeel, e.g. CZSK")] = None,
    format: Annotated[str, typer.Option(help="md, csv, json or html")] = "md",
    plots: Annotated[Path | None, typer.Option(help="also write PNG and SVG charts here")] = None,
    output: Annotated[Path | None, typer.Option(help="file to write (default: stdout)")] = None,
) -> None:
    """The annual tables of section 7, per defensieonderdeel, from case data."""
    if format not in FORMATS:
        raise _fail(f"unknown format '{format}' (known: {', '.join(FORMATS)})")
    if not 1900 < year < 3000:
        raise _fail(f"{year} is not a usable year")
    try:
        do_value = parse_do(do)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    report = annual_report(load_facts(_engine()), year, do_value, datetime.now(UTC))
    _write(render(report, format), output)
    if plots is not None:
        from reports.plots import write_plots  # matplotlib only when charts are asked for

        try:
            written = write_plots(report, plots)
        except OSError as exc:
            raise _fail(f"cannot write the charts to {plots}: {exc.strerror or exc}") from None
        for path in written:
            say(f"written {path}")


def publish_cmd(
    quarter: Annotated[str, typer.Option(help="e.g. 2021Q4")],
    minimum: Annotated[int, typer.Option(help="cells below this are merged or hidden")] = (
        DEFAULT_MINIMUM
    ),
    format: Annotated[str, typer.Option(help="md, csv or json")] = "md",
    output: Annotated[Path | None, typer.Option(help="file to write (default: stdout)")] = None,
) -> None:
    """The anonymised quarterly overview: category, DO, quarter, measure."""
    try:
        parsed = parse_quarter(quarter)
        if format not in ("md", "csv", "json"):
            raise ValueError(f"unknown format '{format}' (known: md, csv, json)")
        pub = publication(load_facts(_engine()), parsed, minimum)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    _write(render_publication(pub, format), output)


reports_app.command("import")(import_cmd)
reports_app.command("report")(report_cmd)
reports_app.command("publish")(publish_cmd)
