"""Seal the melder's contact at rest: values stored in clear before are encrypted in place.

The column stays a string (store/sealed.py), so the schema does not change; only data does.
The key ring is the one the application uses (SG989_PAYLOAD_KEYS or the key file).

Revision ID: 0005
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.sealed import PREFIX, seal, unseal

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PURPOSE = "case.melder_contact"
CASES = sa.table("case", sa.column("case_id", sa.String), sa.column("melder_contact", sa.String))


def _rewrite(change) -> None:  # type: ignore[no-untyped-def]
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(CASES.c.case_id, CASES.c.melder_contact).where(
            CASES.c.melder_contact.is_not(None)
        )
    ).all()
    for case_id, stored in rows:
        new = change(stored)
        if new != stored:
            connection.execute(
                CASES.update().where(CASES.c.case_id == case_id).values(melder_contact=new)
            )


def upgrade() -> None:
    _rewrite(lambda v: v if v.startswith(PREFIX) else seal(v, PURPOSE))


def downgrade() -> None:
    _rewrite(lambda v: unseal(v, PURPOSE))
