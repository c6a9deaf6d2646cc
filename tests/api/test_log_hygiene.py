"""No melding text, contact or name in any log line, at any level, for a whole case."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator

import pytest
import structlog

from sg989.logging import configure_logging
from tests.api.conftest import MELDING, USERS
from tests.api.helpers import Users
from tests.api.test_lifecycle import test_melding_to_closed_case_through_every_role as full_case

SECRET_REASON = "Verlenging wegens ziekte van getuige Jansen."
SECRETS = (
    MELDING["melder_contact"],
    MELDING["description"],
    SECRET_REASON,
    *(f"Test {who}" for who in USERS),  # the names the tokens carry
    "Melder gesproken.",  # what the melder told the COID
    "Ontslag is evenredig.",
)


@pytest.fixture
def structlog_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The application's own logging (sg989.logging) at DEBUG, its lines kept for scanning."""
    lines = io.StringIO()
    root = logging.getLogger()
    level = root.level
    monkeypatch.setattr(sys, "stderr", lines)
    configure_logging("json", level=logging.DEBUG)
    structlog.configure(cache_logger_on_first_use=False)  # later tests configure it again
    monkeypatch.undo()
    root.setLevel(logging.DEBUG)
    yield lines
    root.setLevel(level)
    structlog.reset_defaults()


async def test_a_whole_case_logs_no_personal_data(
    structlog_lines, api, headers, engine, capfd, caplog
) -> None:
    caplog.set_level(logging.DEBUG)  # every stdlib logger: temporalio, sqlalchemy, uvicorn, ...
    users = Users(api, headers)
    extra = await users.register()
    await users.through_intake(extra)
    task = await users.task("commandant", extra, "keuze_afhandeling")
    rejected = await api.post(  # a refused step: its reason and payload stay out of the logs
        f"/tasks/{task['task_id']}/extend",
        json={"new_due_at": "2020-01-01T00:00:00Z", "reason": SECRET_REASON},
        headers=headers("commandant"),
    )
    assert rejected.status_code in (409, 422)
    await full_case(api, headers, engine)

    captured = capfd.readouterr()
    lines = [*caplog.messages, *(r.getMessage() for r in caplog.records)]
    text = "\n".join([*lines, structlog_lines.getvalue(), captured.out, captured.err])
    assert "request" in text and "case_updated" in text  # the logs were captured at all
    assert [s for s in SECRETS if s in text] == []
