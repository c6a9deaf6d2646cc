"""What a command says besides its result: a plain line, or JSON with SG989_LOG_FORMAT=json.

Either way it goes to stderr, so stdout carries only the result (a report, a token, a timeline).
"""

from __future__ import annotations

import structlog
import typer
from pydantic import ValidationError

log = structlog.get_logger("sg989")


def _json() -> bool:
    from sg989.settings import get_settings

    try:
        return get_settings().log_format == "json"
    except ValidationError:
        return False


def say(line: str) -> None:
    if _json():
        log.info(line)
    else:
        typer.echo(line, err=True)


def fail(message: str, code: int = 2, exc: BaseException | None = None) -> typer.Exit:
    """One line saying what is wrong and what to do; exit code 2 means a user error.

    In JSON an unexpected exception's traceback goes into the line's `exception` field, for the
    operator; a person at a terminal sees only the sentence.
    """
    if _json():
        log.error(message, exc_info=exc)
    else:
        typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=code)


def settings_problem(error: ValidationError) -> str:
    """A settings error in one line: which SG989_* variable and what is wrong with it."""
    parts = [
        f"SG989_{'_'.join(str(p) for p in item['loc']).upper()}: {item['msg']}"
        for item in error.errors()
    ]
    return "invalid settings: " + "; ".join(parts)
