"""The background import's one activity: validate and write a legacy file held in the store.

Idempotent: a retried attempt finds the job finished and returns its status; the import itself
is idempotent on the file's fingerprint. A rejected file is an outcome, not a failure: it is
stored with its errors and never retried.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from temporalio import activity

from reports.importer import ImportRejected, ImportResult, import_csv
from store.db import session_scope
from store.models import ImportJob

log = structlog.get_logger(__name__)
FINISHED = ("imported", "already_imported", "rejected")
MAX_ERRORS_KEPT = 1000


def result_fields(result: ImportResult) -> dict[str, Any]:
    return {
        "message": result.summary,
        "fingerprint": result.fingerprint,
        "imported_at": result.imported_at.isoformat(),
        "rows": result.rows,
        "cases": result.cases,
        "betrokkenen": result.betrokkenen,
        "measures": result.decisions,
    }


def _progress_engine(engine: Engine) -> Engine:
    """Progress is best effort: on SQLite the import's own write transaction holds the only write
    lock, so a progress line waits briefly and is skipped rather than stalling the import."""
    if engine.dialect.name != "sqlite":
        return engine
    return create_engine(engine.url, connect_args={"timeout": 0.2, "check_same_thread": False})


class ImportActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.progress_engine = _progress_engine(engine)

    def _update(self, job_id: str, engine: Engine | None = None, **fields: Any) -> None:
        with session_scope(engine or self.engine) as session:
            job = session.get(ImportJob, job_id)
            if job is not None:
                for name, value in fields.items():
                    setattr(job, name, value)

    def _progress(self, job_id: str, message: str) -> None:
        activity.heartbeat(message)
        try:
            self._update(job_id, self.progress_engine, progress=message)
        except OperationalError:  # the store is busy with the import itself: next line then
            log.debug("import_progress_skipped", job_id=job_id, progress=message)

    @activity.defn(name="run_import")
    def run_import(self, job_id: str) -> str:
        with session_scope(self.engine) as session:
            job = session.get(ImportJob, job_id)
            if job is None:
                raise ValueError(f"import job {job_id} does not exist")
            if job.status in FINISHED:
                return job.status
            job.status = "running"
            text, filename, requested_by = job.content, job.filename, job.requested_by
        try:
            result = import_csv(
                self.engine, text, filename, requested_by, lambda m: self._progress(job_id, m)
            )
        except ImportRejected as rejected:
            errors = rejected.errors[:MAX_ERRORS_KEPT]
            summary = f"{len(rejected.errors)} error(s); nothing was imported"
            self._finish(job_id, "rejected", {"message": summary, "errors": errors})
            return "rejected"
        status = "already_imported" if result.already_imported else "imported"
        self._finish(job_id, status, result_fields(result))
        return status

    def _finish(self, job_id: str, status: str, result: dict[str, Any]) -> None:
        self._update(
            job_id,
            status=status,
            result=result,
            progress=result["message"],
            content="",  # the upload is no longer needed; the imported rows are in the store
            finished_at=datetime.now(UTC),
        )
        log.info("import_finished", job_id=job_id, status=status)
