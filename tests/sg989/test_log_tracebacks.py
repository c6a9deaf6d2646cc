"""An error's traceback in the log says where it happened, never what the variables held."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog

from sg989.logging import configure_logging

MELDER_SAID = "wat de melder vertelde"


def fail_with_a_secret_in_a_local() -> None:
    statement = MELDER_SAID  # noqa: F841  (a local variable, as a step or a payload would be)
    raise ValueError("the store refused the step")


@pytest.fixture
def configured() -> Iterator[None]:
    """Puts back the logging configuration the test replaces."""
    root = logging.getLogger()
    handlers, level, config = list(root.handlers), root.level, structlog.get_config()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.configure(**config)


@pytest.mark.parametrize("log_format", ["console", "json"])
def test_a_logged_error_shows_its_traceback_but_no_variable(
    log_format: str, configured: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(log_format)
    try:
        fail_with_a_secret_in_a_local()
    except ValueError:
        structlog.get_logger("sg989").exception("step_failed")
        # how Temporal's SDK reports a failed activity: the standard library, with exc_info
        logging.getLogger("temporalio.activity").warning(
            "Completing activity as failed", exc_info=True
        )
    written = capsys.readouterr().err
    assert written.count("the store refused the step") >= 2
    assert written.count("fail_with_a_secret_in_a_local") >= 2
    assert MELDER_SAID not in written
