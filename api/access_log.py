"""The access log: who read which case, as which role, and when (issue 9: need-to-know is
auditable). Every read of a case, each case on a listed page, a timeline and its verification,
and each melder contact shown enter it before the answer leaves."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlmodel import Session

from api.schemas import CasePublic
from domain.case import Actor
from domain.roles import Role
from store.models import AccessLog

ACCESS_LOG: Table = cast(Any, AccessLog).__table__  # the table: a plain multi-row insert


def record_access(session: Session, *, case_id: str, user: Actor, role: Role, action: str) -> None:
    session.add(
        AccessLog(
            case_id=case_id, sub=user.sub, role=role.value, action=action, at=datetime.now(UTC)
        )
    )
    session.commit()


def record_case_read(session: Session, *, public: CasePublic, user: Actor, role: Role) -> None:
    """A read of one case enters its access log; a shown melder contact gets a line of its own
    (issue 9: the melder's identity is read by name, wherever it is shown)."""
    actions = ["read"] + (["read_contact"] if public.melder_contact is not None else [])
    at = datetime.now(UTC)
    session.add_all(
        AccessLog(case_id=public.case_id, sub=user.sub, role=role.value, action=a, at=at)
        for a in actions
    )
    session.commit()


def log_list(session: Session, user: Actor, items: list[CasePublic], now: datetime) -> None:
    """One access-log row per listed case, and a ``read_contact`` row for each case whose
    melder contact the page shows (issue 9): one statement, one commit, before the page leaves.
    A multi-row insert of plain rows: constructing ORM rows costs more than the read."""
    rows = [
        {"case_id": i.case_id, "sub": user.sub, "role": i.visible_as.value, "action": action,
         "at": now}
        for i in items
        for action in (("list", "read_contact") if i.melder_contact is not None else ("list",))
    ]  # fmt: skip
    if rows:
        session.connection().execute(insert(ACCESS_LOG), rows)
        session.commit()
