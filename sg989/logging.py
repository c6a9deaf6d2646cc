"""structlog configuration: one line per event, with request id and case number where bound.

SG989_LOG_FORMAT=json turns every line into JSON: sg989's own events, and those of uvicorn,
Temporal's SDK and Alembic that go through the standard library's logging. Temporal's workflow and
activity loggers attach their context; it is flattened into `workflow_id`, `run_id`, `case_id`.

A traceback shows where an error happened, never the values of the variables on the way (which
structlog's defaults print in both formats): those can be a melder's words or a step's events,
and a log reaches people outside need-to-know. Rendering them was also slow: a failing activity
(a mail server down) logged tracebacks that held the worker's event loop for most of a second.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer
from temporalio import activity, workflow

CASE_NUMBER = re.compile(r"^ZK-\d{4}-\d+$")
CASE_WORKFLOW = "CaseWorkflow"
# uvicorn configures these itself before it loads the app (`uvicorn --factory`): taken over here.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def case_fields(
    workflow_id: str | None, run_id: str | None, workflow_type: str | None = None
) -> dict[str, str]:
    """The log fields of a workflow run; a case's workflow id is its case number."""
    fields = {"workflow_id": workflow_id or "", "run_id": run_id or ""}
    if workflow_id and (workflow_type == CASE_WORKFLOW or CASE_NUMBER.match(workflow_id)):
        fields["case_id"] = workflow_id
    return {key: value for key, value in fields.items() if value}


def _temporal_context(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Temporal's loggers put a dict in `temporal_workflow` / `temporal_activity`: flatten it."""
    event.pop("color_message", None)  # uvicorn's ANSI-coloured copy of the message
    for key in ("temporal_workflow", "temporal_activity"):
        context = event.pop(key, None)
        if isinstance(context, dict):
            run_id = context.get("workflow_run_id") or context.get("run_id")
            fields = case_fields(context.get("workflow_id"), run_id, context.get("workflow_type"))
            for field, value in fields.items():
                event.setdefault(field, value)
            for field in ("workflow_type", "activity_type", "task_queue", "attempt"):
                if field in context:
                    event.setdefault(field, context[field])
    return event


class _StderrLogger:
    """Writes each line to whatever sys.stderr is now, not to the stream of configure time (a
    test runner or CliRunner swaps sys.stderr and closes its own when it is done)."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A StreamHandler on the current sys.stderr, for the same reason."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


# A logger used once keeps the configuration of that moment for good. The tests reconfigure
# structlog to capture lines, so they turn this off (tests/conftest.py).
CACHE_LOGGERS = True


def configure_logging(log_format: str = "console", level: int = logging.INFO) -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    )
    timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True)
    # JSON carries a traceback as a field; the console renderer prints it itself.
    tracebacks: list[structlog.typing.Processor] = (
        [structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False))]
        if log_format == "json"
        else []
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            timestamper,
            *tracebacks,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=lambda *_args: _StderrLogger(),
        cache_logger_on_first_use=CACHE_LOGGERS,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            _temporal_context,
            timestamper,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *tracebacks,
            renderer,
        ],
    )
    handler = _StderrHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)
    for name in UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers = []
        uvicorn_logger.propagate = True
    logging.getLogger("uvicorn.error").setLevel(logging.INFO)  # started, listening, stopping
    # Every request is logged once by api.middleware, with its request id.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    for name in ("temporalio", "sg989"):
        logging.getLogger(name).setLevel(logging.INFO)
    # In JSON the workflow/activity context is a field of its own, not appended to the message.
    workflow.logger.workflow_info_on_message = log_format != "json"
    activity.logger.activity_info_on_message = log_format != "json"


@contextmanager
def bound(**fields: str) -> Iterator[None]:
    """Bind fields to every log line of this task (and the threads it hands work to)."""
    with structlog.contextvars.bound_contextvars(**fields):
        yield
