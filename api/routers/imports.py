"""Large legacy imports as background jobs (issue 8): POST /imports hands a file over 1 MB to
ImportWorkflow and answers 202 with its Location; GET /imports/{id} tells how far it got.

The upload waits in the store (Temporal's payloads are limited to a few MB), the worker imports
it with progress, and the API never validates a large file on its event loop.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.deps import EngineDep, require_roles
from api.problems import problem_response
from store.db import as_utc, session_scope
from store.models import ImportJob

router = APIRouter(tags=["reports"])
BEHEERDER = Depends(require_roles("beheerder"))
LARGE_IMPORT_CHARACTERS = 1_000_000  # above this a file is imported in the background
IMPORT_WORKFLOW = "ImportWorkflow"


def job_body(job: ImportJob) -> dict[str, Any]:
    created, finished = as_utc(job.created_at), as_utc(job.finished_at)
    return {
        "id": job.job_id,
        "filename": job.filename,
        "status": job.status,
        "progress": job.progress,
        "result": job.result,
        "created_at": created.isoformat() if created else None,
        "finished_at": finished.isoformat() if finished else None,
    }


def _create(engine: Engine, job: ImportJob) -> None:
    with session_scope(engine) as session:
        session.add(job)


def _delete(engine: Engine, job_id: str) -> None:
    with session_scope(engine) as session:
        job = session.get(ImportJob, job_id)
        if job is not None:
            session.delete(job)


async def start_import_job(
    request: Request, engine: Engine, text: str, filename: str, requested_by: str
) -> JSONResponse:
    """Store the upload, start its workflow, answer 202; 503 (and nothing kept) without Temporal."""
    job = ImportJob(
        job_id=f"import-{uuid.uuid4().hex}",
        filename=filename,
        requested_by=requested_by,
        content=text,
        created_at=datetime.now(UTC),
    )
    await asyncio.to_thread(_create, engine, job)
    try:
        client = await request.app.state.client_provider()
        await client.start_workflow(
            IMPORT_WORKFLOW,
            job.job_id,
            id=job.job_id,
            task_queue=request.app.state.settings.task_queue,
        )
    except Exception as exc:  # Temporal down: the job cannot run, so it is not kept either
        await asyncio.to_thread(_delete, engine, job.job_id)
        detail = f"Temporal does not answer ({exc.__class__.__name__}); nothing was imported"
        return problem_response(503, detail)
    location = f"/imports/{job.job_id}"
    body = {"id": job.job_id, "status": "queued", "progress": "", "location": location}
    return JSONResponse(body, status_code=202, headers={"Location": location})


@router.get("/imports/{job_id}", dependencies=[BEHEERDER])
def import_status(job_id: str, engine: EngineDep) -> JSONResponse:
    """A background import: queued, running (with progress), imported, already_imported or
    rejected (with every error and its line number)."""
    with Session(engine) as session:
        job = session.get(ImportJob, job_id)
        if job is None:
            return problem_response(404, f"there is no import {job_id}")
        return JSONResponse(job_body(job))
