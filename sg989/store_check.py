"""Before a command uses the store: is it reachable and is its schema at the code's revision?

On the embedded default (SQLite under the data folder) the schema is brought up to date on the
spot. A store named by SG989_DATABASE_URL is production's: it is migrated deliberately
(`sg989 migrate`, the compose `migrate` service), so a command says so in one line instead.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from sg989.settings import Settings
from store.db import make_engine
from store.migrate import current_revisions, head_revisions, known_revisions, upgrade_to_head


class StoreNotReady(Exception):
    """The store cannot be used as it is; the message says what to do, in one line."""


def display_url(url: str) -> str:
    """The store's URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as given: it holds no usable password
        return url


def _revisions(engine: Engine, url: str) -> set[str]:
    try:
        return current_revisions(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc) or exc.__class__.__name__).splitlines()[0]
        raise StoreNotReady(f"cannot reach the store at {display_url(url)}: {reason}") from None


def schema_problem(current: set[str], heads: set[str]) -> str | None:
    """None when the store is at head; otherwise what is wrong and what to run."""
    if current == heads:
        return None
    want = ", ".join(sorted(heads))
    if not current:
        return (
            f"the store has no schema yet (this sg989 needs revision {want}): run `sg989 migrate`"
        )
    have = ", ".join(sorted(current))
    if current - known_revisions():
        return f"the store is at revision {have}, newer than this sg989 ({want}): upgrade sg989"
    return f"the store is at revision {have}, this sg989 needs {want}: run `sg989 migrate`"


def ready_engine(settings: Settings, say: Callable[[str], None] = lambda _: None) -> Engine:
    """An engine on a store at the newest schema, or StoreNotReady with the one line to act on."""
    url = settings.sqlalchemy_url
    embedded = not settings.database_url
    if embedded:
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreNotReady(
                f"cannot create the data folder {settings.data_dir}: {exc}"
            ) from None
    engine = make_engine(url)
    current, heads = _revisions(engine, url), head_revisions()
    problem = schema_problem(current, heads)
    if problem is None:
        return engine
    if not embedded:
        engine.dispose()
        raise StoreNotReady(f"{display_url(url)}: {problem}")
    upgrade_to_head(url)
    say(f"store {display_url(url)}: schema brought up to date (revision {', '.join(heads)})")
    return engine
