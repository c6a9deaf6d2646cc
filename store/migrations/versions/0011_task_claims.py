"""Who claimed a task from the shared inbox of its role (issue 12): shown on Mijn taken, and
what tells a claimed task (which its claimant may release) from an assigned one.

Revision ID: 0011
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "task", sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("task", "claimed_by")
