"""Refuses every Update of a case whose latest changes the store could not record.

An interceptor rather than a line in each validator, so Updates added later are covered too.
The refusal happens in the validator phase: nothing enters history and the caller gets the
sentence that explains why, instead of a request that hangs.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    HandleUpdateInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

with workflow.unsafe.imports_passed_through():
    from domain.transition import WRITE_FAILED


class _StalledCaseInbound(WorkflowInboundInterceptor):
    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        failure: Any = getattr(workflow.instance(), "write_failure", None)
        if failure:
            raise ApplicationError(str(failure), type=WRITE_FAILED, non_retryable=True)
        super().handle_update_validator(input)


class StalledCaseGuard(Interceptor):
    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        return _StalledCaseInbound
