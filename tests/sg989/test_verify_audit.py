"""`sg989 verify-audit` checks every case and names each broken one (exit code 1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from domain.rows import CaseRows
from domain.transition import AuditEventIn, CaseStep, StepEvent
from store.db import make_engine, session_scope
from store.migrate import upgrade_to_head
from store.steps import apply_step
from tests.store.store_helpers import make_case


def record(engine, case_id: str, events: int) -> None:
    case = make_case(case_id)
    step = CaseStep(
        case_id=case_id,
        events=[
            StepEvent(
                seq=seq,
                event=AuditEventIn(event_type="e", occurred_at=case.registered_at),
                phase="intake",
            )
            for seq in range(1, events + 1)
        ],
        rows=CaseRows.of(case).changes_since(None),
    )
    with session_scope(engine) as session:
        apply_step(session, step)


def verify_audit(url: str) -> subprocess.CompletedProcess[str]:
    """The command as an operator runs it (its own process: it runs its own event loop)."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from sg989.cli import app; app()",
            "verify-audit",
            "--no-workflows",
        ],
        env={**os.environ, "SG989_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_verify_audit_names_each_broken_case(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sg989.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    for case_id in ("ZK-2026-00001", "ZK-2026-00002", "ZK-2026-00003"):
        record(engine, case_id, 4)

    intact = verify_audit(url)
    assert intact.returncode == 0, intact.stderr
    assert "3 case(s) checked, 0 broken" in intact.stdout

    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM auditevent WHERE case_id = 'ZK-2026-00002' AND seq = 4")
        )
        connection.execute(text("UPDATE \"case\" SET last_seq = 3 WHERE case_id = 'ZK-2026-00002'"))
    broken = verify_audit(url)
    assert broken.returncode == 1
    assert "BROKEN ZK-2026-00002" in broken.stdout
    assert "ZK-2026-00001" not in broken.stdout and "1 broken" in broken.stdout


def test_a_store_without_schema_or_unreachable_is_one_line_and_exit_2(tmp_path: Path) -> None:
    unmigrated = verify_audit(f"sqlite:///{tmp_path / 'empty.db'}")
    unreachable = verify_audit("postgresql+psycopg://sg989@127.0.0.1:1/sg989")

    for done in (unmigrated, unreachable):
        assert done.returncode == 2, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr
    assert "sg989 migrate" in unmigrated.stderr
    assert "cannot reach the store" in unreachable.stderr
