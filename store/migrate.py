"""Brings a database to the newest schema with the migrations shipped in store/migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine, make_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Config values go through configparser interpolation, so a '%' in a password must be doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return
    if database.startswith("file:"):
        return
    Path(database).parent.mkdir(parents=True, exist_ok=True)


def upgrade_to_head(url: str) -> None:
    _ensure_sqlite_folder(url)
    command.upgrade(alembic_config(url), "head")


def head_revisions() -> set[str]:
    """The revision(s) the shipped migrations end in (one, once the chain is linked)."""
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    """The revision(s) the store is at; empty for a store that was never migrated."""
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def known_revisions() -> set[str]:
    """Every revision the shipped migrations know; a store at another one is newer than the code."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {revision.revision for revision in script.walk_revisions()}
