"""One write per step: keyed audit seals, signed heads and checkpoints, projection failures.

Revision ID: 0003
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("auditevent") as batch:
        batch.add_column(sa.Column("mac", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_table(
        "audithead",
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("mac", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_table(
        "auditcheckpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("mac", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "seq"),
    )
    op.create_index("ix_auditcheckpoint_case_id", "auditcheckpoint", ["case_id"])
    op.create_table(
        "projectionfailure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_projectionfailure_case_id", "projectionfailure", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_projectionfailure_case_id", table_name="projectionfailure")
    op.drop_table("projectionfailure")
    op.drop_index("ix_auditcheckpoint_case_id", table_name="auditcheckpoint")
    op.drop_table("auditcheckpoint")
    op.drop_table("audithead")
    with op.batch_alter_table("auditevent") as batch:
        batch.drop_column("mac")
