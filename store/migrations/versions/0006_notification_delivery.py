"""Notification delivery: one row per outbox notification and recipient, with its attempts;
an index on the outbox's sent_at.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "notificationdelivery"


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", text(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("recipient", text(), nullable=False),
        sa.Column("kind", text(), nullable=False),
        sa.Column("address", text(), nullable=True),
        sa.Column("status", text(), nullable=False),
        sa.Column("reason", text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", text(), nullable=True),
        sa.Column("message_id", text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "seq", "idx", "recipient"),
    )
    for column in ("case_id", "recipient", "status", "next_attempt_at"):
        op.create_index(op.f(f"ix_{TABLE}_{column}"), TABLE, [column], unique=False)
    # The dispatcher's every round asks for the outbox rows not sent yet.
    op.create_index("ix_outboxnotification_sent_at", "outboxnotification", ["sent_at"])


def downgrade() -> None:
    op.drop_index("ix_outboxnotification_sent_at", table_name="outboxnotification")
    for column in ("case_id", "recipient", "status", "next_attempt_at"):
        op.drop_index(op.f(f"ix_{TABLE}_{column}"), table_name=TABLE)
    op.drop_table(TABLE)
