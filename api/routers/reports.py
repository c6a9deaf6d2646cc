"""GET /reports/annual and POST /imports. Reports contain categories, units and counts, no names."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from api.deps import CurrentUser, SessionDep, require_roles
from api.routers.imports import LARGE_IMPORT_CHARACTERS, start_import_job
from reports.annual import annual_report
from reports.facts import load_facts
from reports.importer import ImportRejected, import_csv
from reports.render import FORMATS, render
from sg989.cli_reports import parse_do

router = APIRouter(tags=["reports"])
READERS = Depends(require_roles("auditor", "beheerder", "commandant", "coid_adviseur"))
BEHEERDER = Depends(require_roles("beheerder"))


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


@router.get("/reports/annual", dependencies=[READERS])
def annual(
    session: SessionDep,
    year: Annotated[int, Query(ge=1900, le=2999)],
    do: str | None = None,
    format: str = "json",
) -> Response:
    if format not in FORMATS:
        return problem(422, "Unknown format", f"'{format}' (known: {', '.join(FORMATS)})")
    try:
        do_value = parse_do(do)
    except ValueError as exc:
        return problem(422, "Unknown defensieonderdeel", str(exc))
    report = annual_report(load_facts(session.get_bind()), year, do_value, datetime.now(UTC))  # type: ignore[arg-type]
    text = render(report, format)
    if format == "json":
        return JSONResponse(json.loads(text))
    if format == "html":
        return HTMLResponse(text)
    media = "text/csv" if format == "csv" else "text/markdown"
    return PlainTextResponse(text, media_type=f"{media}; charset=utf-8")


async def uploaded_csv(request: Request) -> tuple[str, str]:
    """(filename, text) from a multipart upload or a text/csv body."""
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    filename = "upload.csv"
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        part = next((p for p in message.walk() if p.get_filename()), None)
        if part is None:
            raise ValueError("the multipart body holds no file")
        filename = part.get_filename() or filename
        payload = part.get_payload(decode=True)
        body = payload if isinstance(payload, bytes) else b""
    return filename, body.decode("utf-8-sig")


@router.post("/imports", dependencies=[BEHEERDER])
async def import_file(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    try:
        filename, text = await uploaded_csv(request)
    except (ValueError, UnicodeDecodeError) as exc:
        return problem(400, "Unreadable upload", f"send a UTF-8 CSV file: {exc}")
    engine = session.get_bind()
    if len(text) > LARGE_IMPORT_CHARACTERS:  # issue 8: a background job, never the event loop
        return await start_import_job(request, engine, text, filename, user.sub)  # type: ignore[arg-type]
    try:
        result = await asyncio.to_thread(import_csv, engine, text, filename, user.sub)  # type: ignore[arg-type]
    except ImportRejected as rejected:
        return problem(
            422,
            "The file was not imported",
            f"{len(rejected.errors)} error(s); nothing was imported",
            errors=rejected.errors,
        )
    body = {
        "status": "already_imported" if result.already_imported else "imported",
        "message": result.summary,
        "fingerprint": result.fingerprint,
        "imported_at": result.imported_at.isoformat(),
        "rows": result.rows,
        "cases": result.cases,
        "betrokkenen": result.betrokkenen,
        "measures": result.decisions,
    }
    return JSONResponse(body, status_code=200 if result.already_imported else 201)
