"""The identity provider's claims keep the directory current: an `email` claim in a verified
token updates the person's address (someone new to the directory is added from the token)."""

from __future__ import annotations

from functools import lru_cache

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


@lru_cache(maxsize=1024)
def _email_claim(token: str) -> str | None:
    """Decoded once per token (a token comes back with each request of its session)."""
    email = jwt.decode(token, options={"verify_signature": False}).get("email")
    return email.strip() if isinstance(email, str) and looks_like_email(email) else None


def has_news(token: str, actor: Actor) -> bool:
    """The token carries an address this process has not stored for the person yet: only then
    does ``remember_email_claim`` write (callers run it off the event loop)."""
    email = _email_claim(token)
    return email is not None and _remembered.get(actor.sub) != email


def remember_email_claim(engine: Engine, token: str, actor: Actor) -> None:
    """Call only after ``token`` was verified; one write per person and address per process."""
    email = _email_claim(token)
    if email is None or _remembered.get(actor.sub) == email:
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
