"""Statistics on the expressions the inbox and the case list filter by (PostgreSQL only).

Without them PostgreSQL guesses that almost no task matches a user's scope and sorts every open
task of the role instead of walking ix_task_inbox in deadline order (issue 8: reads at 100,000
cases). SQLite needs nothing: its planner walks the index already.

Revision ID: 0010
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

# As store.models.READ_STATISTICS creates them on a new store (a migration keeps its own copy).
STATISTICS = (
    "CREATE STATISTICS IF NOT EXISTS st_task_scope "
    "ON (lower(unit)), ((assignees)::varchar) FROM task",
    'CREATE STATISTICS IF NOT EXISTS st_case_scope ON (lower(unit)), (phase) FROM "case"',
)

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in STATISTICS:
        op.execute(statement)
    op.execute('ANALYZE task, "case"')  # fill them now, not at autovacuum's next round


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP STATISTICS IF EXISTS st_task_scope")
    op.execute("DROP STATISTICS IF EXISTS st_case_scope")
