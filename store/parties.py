"""The protected party links of a case (store.models.CaseParty): written with each transition,
read by the need-to-know check."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from domain.case import CaseState
from store.models import CaseParty


def sync_parties(session: Session, case: CaseState) -> None:
    """Add the links the case holds that the store does not have yet (links are never removed)."""
    if not case.linked_parties:
        return
    known = set(session.exec(select(CaseParty.sub).where(CaseParty.case_id == case.case_id)).all())
    for sub in case.linked_parties:
        if sub not in known:
            session.add(CaseParty(case_id=case.case_id, sub=sub))


def is_party(session: Session, case_id: str, sub: str) -> bool:
    """``sub`` is linked to the case as melder or betrokkene: the case does not exist for them,
    in any role (issue 7, item 7). ``party_to`` is the same rule inside a query."""
    return session.get(CaseParty, (case_id, sub)) is not None


def party_to(case_id_column: Any, sub: str) -> ColumnElement[bool]:
    """SQL for ``is_party`` on each row's case (a primary-key look-up per row)."""
    return exists().where(col(CaseParty.case_id) == case_id_column, col(CaseParty.sub) == sub)
