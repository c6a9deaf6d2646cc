"""sqlmodel tables. Times are stored as UTC; personal data only where section 6 allows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, Column, DateTime, Index, Text, UniqueConstraint, event
from sqlmodel import Field, SQLModel, col

from store.sealed import SealedString


def _utc_column(nullable: bool = True, index: bool = False) -> Any:
    return Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index)
    )


class CaseBase(SQLModel):
    do: str = Field(index=True)
    unit: str = Field(index=True)
    category: str = Field(index=True)
    channel: str
    melder_type: str
    variant: str = "standaard"
    policy_version: str = ""
    phase: str = Field(index=True)
    status: str = Field(default="open", index=True)
    outcome: str | None = None


class Case(CaseBase, table=True):
    # The case list: newest first within the not-imported cases (api/queries.py).
    __table_args__ = (Index("ix_case_list", "imported", "registered_at", "case_id"),)
    case_id: str = Field(primary_key=True)
    category_toelichting: str | None = None
    # need-to-know: the case's COID adviser only; encrypted at rest (store/sealed.py)
    melder_contact: str | None = Field(
        default=None, sa_column=Column(SealedString("case.melder_contact"), nullable=True)
    )
    description: str = ""
    close_reason: str | None = None
    klacht_referentie: str | None = None
    weging: str | None = None
    schending_vastgesteld: bool | None = None
    registered_at: datetime | None = _utc_column(index=True)
    closed_at: datetime | None = _utc_column()
    updated_at: datetime | None = _utc_column()
    onderzoek_started_at: datetime | None = _utc_column()
    onderzoek_ended_at: datetime | None = _utc_column()
    last_seq: int = 0
    imported: bool = Field(default=False, index=True)
    import_source: str | None = None  # e.g. MVV/PSMV, COID-register, BPS
    import_batch: str | None = None


class Betrokkene(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("case_id", "ref"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case.case_id", index=True)
    ref: str  # pseudonymous reference, never a name
    in_onderzoek: bool = False
    schending: bool | None = None
    besluit_at: datetime | None = _utc_column()
    bezwaar: str | None = None
    geschorst: bool = False


class MeasureDecision(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("case_id", "betrokkene_ref", "measure"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case.case_id", index=True)
    betrokkene_ref: str
    measure: str = Field(index=True)
    decided_at: datetime | None = _utc_column(index=True)


class Task(SQLModel, table=True):
    # The inbox: open tasks by deadline, keyset-paginated on (due_at, task_id) (api/queries.py).
    __table_args__ = (Index("ix_task_inbox", "status", "due_at", "task_id"),)
    task_id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="case.case_id", index=True)
    task_type: str = Field(index=True)
    phase: str
    role: str = Field(index=True)
    unit: str = Field(index=True)
    label: str
    betrokkene: str | None = None
    assignees: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(index=True)
    basis: str
    opened_at: datetime | None = _utc_column()
    due_at: datetime | None = _utc_column(index=True)
    reminder_at: datetime | None = _utc_column()
    reminded: bool = False
    escalation_level: int = 0
    extensions: int = 0
    completed_at: datetime | None = _utc_column()
    completed_by: str | None = None
    claimed_by: str | None = None  # who took it up from the shared inbox (issue 12)


class PhaseVisit(SQLModel, table=True):
    """Per-transition timestamps: when a case entered and left each phase (lead times)."""

    __table_args__ = (UniqueConstraint("case_id", "phase", "entered_at"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case.case_id", index=True)
    phase: str
    entered_at: datetime | None = _utc_column()
    left_at: datetime | None = _utc_column()


class AuditEvent(SQLModel, table=True):
    """Append-only; each event carries the hash of the previous one of its case."""

    __table_args__ = (UniqueConstraint("case_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True)
    seq: int
    event_type: str
    occurred_at: datetime | None = _utc_column()
    actor_sub: str | None = None
    actor_name: str | None = None
    actor_role: str | None = None
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str
    hash: str
    mac: str | None = None  # HMAC with the audit key, which the database does not hold


class OutboxNotification(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("case_id", "seq", "idx"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True)
    seq: int
    idx: int
    recipient_role: str
    recipient_unit: str
    recipient_sub: str | None = None
    kind: str
    text: str
    created_at: datetime | None = _utc_column()
    sent_at: datetime | None = _utc_column()


class AccessLog(SQLModel, table=True):
    """Reading a case is itself recorded: who looked, when, in which role."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True)
    sub: str
    role: str
    action: str
    at: datetime | None = _utc_column()


class CaseRegistration(SQLModel, table=True):
    """Reserves a case number; the Idempotency-Key makes a repeated request return the same case."""

    __table_args__ = (
        UniqueConstraint(
            "requested_by", "idempotency_key", name="uq_caseregistration_requested_by"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(unique=True)
    idempotency_key: str | None = None  # scoped per requester: unique with requested_by
    request_fingerprint: str | None = None
    requested_by: str
    created_at: datetime | None = _utc_column()


class ImportBatch(SQLModel, table=True):
    """One imported legacy file; the same file (same fingerprint) is imported once."""

    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(unique=True)  # sha256 of the file's normalised rows
    filename: str
    imported_by: str
    imported_at: datetime | None = _utc_column()
    rows: int = 0
    cases: int = 0


class Person(SQLModel, table=True):
    """The local directory: who holds which role in which unit, and how they hear of tasks.

    Managed by the beheerder (API, `sg989 directory import`) or filled from the identity
    provider's claims. A unit in ``units`` covers every unit below it, as in a token's scope.
    """

    sub: str = Field(primary_key=True)
    name: str
    email: str | None = None
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    units: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    delivery: str = "direct"  # direct | digest: reminders only; escalations are always direct
    active: bool = True


class CaseParty(SQLModel, table=True):
    """Protected: a user who is the melder or a betrokkene of a case (a conflict of interest).

    Recorded by the case's own integrity adviser; only the need-to-know check reads it (such a
    user never sees the case), and no API returns it.
    """

    case_id: str = Field(primary_key=True, foreign_key="case.case_id")
    sub: str = Field(primary_key=True)


class NotificationDelivery(SQLModel, table=True):
    """One outbox notification for one recipient: its address, status and delivery attempts.

    An outbox row (case_id, seq, idx) is resolved once into one row per recipient: a person's
    sub, ``melder``, or ``""`` when nobody could be found (status ``undeliverable``, with the
    reason). The dispatcher sends the ``pending`` rows and marks them ``sent``.
    """

    __table_args__ = (UniqueConstraint("case_id", "seq", "idx", "recipient"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True)
    seq: int
    idx: int
    recipient: str = Field(index=True)
    kind: str
    address: str | None = None  # personal data: only for sending, never shown to others
    status: str = Field(index=True)  # domain.notifications.DeliveryStatus
    reason: str | None = None  # why undeliverable / not mailed
    attempts: int = 0
    last_error: str | None = None
    message_id: str = ""
    created_at: datetime | None = _utc_column()
    next_attempt_at: datetime | None = _utc_column(index=True)
    sent_at: datetime | None = _utc_column()
    read_at: datetime | None = _utc_column()


class ImportJob(SQLModel, table=True):
    """A large legacy import, run in the background by ImportWorkflow (issue 8): its progress."""

    job_id: str = Field(primary_key=True)  # also the workflow id: no personal data
    filename: str
    requested_by: str
    content: str = Field(default="", sa_column=Column(Text, nullable=False))  # emptied when done
    status: str = Field(
        default="queued", index=True
    )  # queued|running|imported|already_imported|rejected
    progress: str = ""
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime | None = _utc_column()
    finished_at: datetime | None = _utc_column()


class AuditHead(SQLModel, table=True):
    """The signed end of each case's audit chain: truncating the chain shows against it."""

    case_id: str = Field(primary_key=True)
    seq: int = 0
    hash: str = ""
    mac: str = ""


class AuditCheckpoint(SQLModel, table=True):
    """A signed checkpoint every CHECKPOINT_EVERY events of a case (store/audit.py)."""

    __table_args__ = (UniqueConstraint("case_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True)
    seq: int
    hash: str
    mac: str
    created_at: datetime | None = _utc_column()


class ProjectionFailure(SQLModel, table=True):
    """A step the store refused for good (bad data): the case is stalled until an operator acts."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True)
    seq: int
    error: str
    failed_at: datetime | None = _utc_column()


# The dispatcher looks for outbox rows not yet sent on every round: only those, via this index.
Index("ix_outboxnotification_sent_at", col(OutboxNotification.sent_at))


# Issue 8: PostgreSQL cannot estimate the scope and assignee predicates of the inbox and the case
# list (api/queries.py: expressions of a column) without statistics on those very expressions;
# it then guesses that almost no row matches and sorts every open task of a role instead of
# walking ix_task_inbox in deadline order (300 ms instead of 1 at 100,000 cases). Migration 0010
# creates them on existing stores; ANALYZE (or autovacuum) fills them.
READ_STATISTICS = {
    "task": "CREATE STATISTICS IF NOT EXISTS st_task_scope "
    "ON (lower(unit)), ((assignees)::varchar) FROM task",
    "case": 'CREATE STATISTICS IF NOT EXISTS st_case_scope ON (lower(unit)), (phase) FROM "case"',
}
for _table, _statement in READ_STATISTICS.items():
    event.listen(
        SQLModel.metadata.tables[_table],
        "after_create",
        DDL(_statement).execute_if(dialect="postgresql"),
    )


class ReplacedEvent(SQLModel, table=True):
    """Trace of an audit event the store replaced (store/steps.py): a worker committed it and
    died before the case's workflow task completed, so Temporal's history never accepted it and
    the case decided that step again. Type, moment, hash and the worker's seal, no content: an
    auditor can tell that it happened, and that the replaced event was a genuine write."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True)
    seq: int
    event_type: str
    occurred_at: datetime | None = _utc_column()
    hash: str
    mac: str
    replaced_at: datetime | None = _utc_column()
