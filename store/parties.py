"""The protected party links of a case (store.models.CaseParty): written with each transition,
read by the need-to-know check."""

from __future__ import annotations

from sqlmodel import Session, select

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
    return session.get(CaseParty, (case_id, sub)) is not None
