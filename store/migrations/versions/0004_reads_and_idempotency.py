"""Indexes for the keyset-paginated case list and inbox; Idempotency-Keys scoped per requester.

Revision ID: 0004
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0001 created the unique constraint without a name: SQLite reflects it under this convention,
# PostgreSQL named it itself.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_key_constraint() -> str:
    if op.get_bind().dialect.name == "postgresql":
        return "caseregistration_idempotency_key_key"
    return "uq_caseregistration_idempotency_key"


def upgrade() -> None:
    op.create_index("ix_case_list", "case", ["imported", "registered_at", "case_id"])
    op.create_index("ix_task_inbox", "task", ["status", "due_at", "task_id"])
    with op.batch_alter_table("caseregistration", naming_convention=NAMING) as batch:
        batch.drop_constraint(_old_key_constraint(), type_="unique")
        batch.create_unique_constraint(
            "uq_caseregistration_requested_by", ["requested_by", "idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("caseregistration", naming_convention=NAMING) as batch:
        batch.drop_constraint("uq_caseregistration_requested_by", type_="unique")
        batch.create_unique_constraint(_old_key_constraint(), ["idempotency_key"])
    op.drop_index("ix_task_inbox", table_name="task")
    op.drop_index("ix_case_list", table_name="case")
