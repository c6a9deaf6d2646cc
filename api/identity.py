"""The identity provider's claims keep the directory current: an `email` claim in a verified
token updates the person's address (someone new to the directory is added from the token)."""

from __future__ import annotations

import jwt
import structlog
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from domain.case import Actor
from domain.notifications import looks_like_email
from store.db import session_scope
from store.people import remember_claims

log = structlog.get_logger(__name__)
_remembered: dict[str, str] = {}  # sub -> the e-mail address stored for it, in this process


def remember_email_claim(engine: Engine, token: str, actor: Actor) -> None:
    """Call only after ``token`` was verified; one write per person and address per process."""
    claims = jwt.decode(token, options={"verify_signature": False})
    email = claims.get("email")
    if not isinstance(email, str) or not looks_like_email(email):
        return
    email = email.strip()
    if _remembered.get(actor.sub) == email:
        return
    try:
        with session_scope(engine) as session:
            remember_claims(
                session,
                sub=actor.sub,
                name=actor.name,
                email=email,
                roles=[r.value for r in actor.roles],
                units=list(actor.units),
            )
    except SQLAlchemyError as exc:  # the request itself does not depend on it
        log.warning("directory_claims_not_stored", sub=actor.sub, error=str(exc))
        return
    _remembered[actor.sub] = email
