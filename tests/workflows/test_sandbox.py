"""The workflow modules run inside Temporal's sandbox: a clock read in any of them is caught."""

from __future__ import annotations

import importlib
import pkgutil
import uuid

from temporalio.worker import Worker

import workflows
from sg989.worker import PASSTHROUGH_MODULES, workflow_runner
from tests.workflows.sandbox_probe import SandboxProbe

WORKFLOW_MODULES = sorted(f"workflows.{m.name}" for m in pkgutil.iter_modules(workflows.__path__))
CAUGHT = "own copy, caught: RestrictedWorkflowAccessError"


def test_only_domain_passes_through() -> None:
    assert PASSTHROUGH_MODULES == ("domain",)
    assert {"workflows.case", "workflows.lifecycle", "workflows.runtime"} <= set(WORKFLOW_MODULES)


async def test_datetime_now_in_any_workflow_module_is_caught(time_env) -> None:
    """Every workflow module is imported afresh inside the sandbox, so a ``datetime`` it binds
    is the sandbox's: calling ``datetime.now()`` there raises instead of reading the clock.
    (A module imported outside, passed through, would hand the workflow the real clock.)"""
    host_ids = {name: id(importlib.import_module(name)) for name in WORKFLOW_MODULES}
    queue = f"probe-{uuid.uuid4().hex[:8]}"
    async with Worker(
        time_env.client,
        task_queue=queue,
        workflows=[SandboxProbe],
        workflow_runner=workflow_runner(),
    ):
        outcome = await time_env.client.execute_workflow(
            SandboxProbe.run, host_ids, id=f"probe-{queue}", task_queue=queue
        )
    binds_datetime = {
        n for n in WORKFLOW_MODULES if hasattr(importlib.import_module(n), "datetime")
    }
    assert {"workflows.runtime", "workflows.lifecycle"} <= binds_datetime
    expected = {n: CAUGHT if n in binds_datetime else "own copy, no datetime" for n in host_ids}
    assert outcome == expected


def test_the_worker_runs_the_lean_sandbox_with_the_installed_sdk() -> None:
    """sg989/sandbox.py builds on the SDK's private sandbox instance; an SDK upgrade that
    changes it falls back to the stock (slower) runner, and this says so."""
    from sg989.sandbox import LeanSandboxedWorkflowRunner

    runner = workflow_runner()
    assert isinstance(runner, LeanSandboxedWorkflowRunner)
    assert runner.restrictions.passthrough_modules >= set(PASSTHROUGH_MODULES)


def test_the_fast_update_method_check_agrees_with_the_sdk_protocol() -> None:
    """Loading a case in a fresh sandbox re-applies ``@workflow.defn``, which asks of every
    member whether it is an update method; sg989/sandbox.py answers that faster. Its answer
    must be the SDK Protocol's for every member of CaseWorkflow and of each of its bases."""
    import inspect

    from temporalio.workflow import _definition

    from sg989.sandbox import (
        FastUpdateMethodMultiParam,
        _UpdateMethodCheck,
        fast_update_method_check,
    )
    from workflows.case import CaseWorkflow

    assert fast_update_method_check()
    assert _definition.UpdateMethodMultiParam is FastUpdateMethodMultiParam
    protocol = _UpdateMethodCheck.protocol
    members = [m for cls in CaseWorkflow.__mro__ for _, m in inspect.getmembers(cls)]
    updates = [m for m in members if isinstance(m, protocol)]
    assert len(updates) >= 10  # complete_task, extend_task, claim_task...
    assert [m for m in members if isinstance(m, FastUpdateMethodMultiParam)] == updates
    defn = _definition._Definition.must_from_class(CaseWorkflow)
    assert {"complete_task", "extend_task", "reopen"} <= set(defn.updates)


def test_the_fast_defined_on_class_check_agrees_with_the_sdk() -> None:
    """The same walk asks of every member of every base class whether it is a function defined
    on that class: sg989/sandbox.py's answer is the SDK's for each (member, class) pair."""
    import inspect

    from temporalio.workflow import _definition

    from sg989.sandbox import _UpdateMethodCheck, fast_update_method_check, is_unbound_method_on_cls
    from workflows.case import CaseWorkflow

    assert fast_update_method_check()
    assert _definition._is_unbound_method_on_cls is is_unbound_method_on_cls
    sdk = _UpdateMethodCheck.sdk_is_unbound_method_on_cls
    classes = (*CaseWorkflow.__mro__, _Base, _Derived)  # two classes of one module too
    pairs = [(m, owner) for cls in classes for _, m in inspect.getmembers(cls) for owner in classes]
    defined_on = [(m, owner) for m, owner in pairs if sdk(m, owner)]
    assert len(defined_on) >= 50  # the lifecycle's, the runtime's, the updates...
    assert [(m, owner) for m, owner in pairs if is_unbound_method_on_cls(m, owner)] == defined_on


class _Base:
    def on_base(self) -> None: ...


class _Derived(_Base):
    def on_derived(self) -> None: ...
