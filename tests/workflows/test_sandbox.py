"""The workflow modules run inside Temporal's sandbox: a clock read in any of them is caught."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
import temporalio.common
from temporalio.worker import Worker

import workflows
from domain.requests import CompleteTask, UpdateResult
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
    assert {"workflows.tasks", "workflows.lifecycle"} <= binds_datetime
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

    from sg989.sandbox_defn import (
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

    from sg989.sandbox_defn import (
        _UpdateMethodCheck,
        fast_update_method_check,
        is_unbound_method_on_cls,
    )
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


_SHAPES = """
from __future__ import annotations
from domain.requests import CompleteTask, UpdateResult

class Local: ...

def update(self, req: CompleteTask) -> UpdateResult: ...
def validator(self, req: CompleteTask) -> None: ...
def other_validator(self, req: UpdateResult) -> None: ...
def defaulted(self, req: CompleteTask = None) -> None: ...
def no_return(self, req: CompleteTask): ...
def local_class(self, req: Local) -> Local: ...
def unannotated(self, req) -> UpdateResult: ...
def no_params(self) -> UpdateResult: ...
def builtin(self, req: str) -> int: ...
def generic(self, req: list[CompleteTask]) -> dict[str, UpdateResult]: ...
def optional(self, req: CompleteTask | None) -> None: ...
def unknown_name(self, req: NotDefinedAnywhere) -> None: ...
def self_annotated(self: Local, req: CompleteTask) -> None: ...
def varargs(self, *reqs: CompleteTask) -> None: ...
def kwonly(self, *, req: CompleteTask) -> None: ...
def positional_only(self, req: CompleteTask, /) -> None: ...
"""


def _shapes() -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "tests.workflows.shapes"}
    exec(compile(_SHAPES, "shapes.py", "exec"), namespace)
    return {name: fn for name, fn in namespace.items() if inspect.isfunction(fn)}


def _sdk_answer(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as exc:  # e.g. a NameError for an annotation nothing binds
        return type(exc)


def test_the_fast_type_hints_agree_with_the_sdk() -> None:
    """Loading a case resolves the type hints of every update, query and validator and compares
    each validator's parameters with its update's; sg989/sandbox.py reads them from the code
    object where that is the whole story. Its answers must be the SDK's, for every function of
    CaseWorkflow and its bases and for every shape of signature (the fast path or not)."""
    from temporalio.workflow import _definition

    from sg989.sandbox_defn import (
        _UpdateMethodCheck,
        fast_type_hints,
        parameters_identical_up_to_naming,
        type_hints_from_func,
    )
    from workflows.case import CaseWorkflow

    assert fast_type_hints()
    assert temporalio.common._type_hints_from_func is type_hints_from_func
    assert _definition._parameters_identical_up_to_naming is parameters_identical_up_to_naming
    sdk_hints = _UpdateMethodCheck.sdk_type_hints_from_func
    sdk_identical = _UpdateMethodCheck.sdk_parameters_identical
    functions = [
        m for cls in CaseWorkflow.__mro__ for m in vars(cls).values() if inspect.isfunction(m)
    ]
    functions += list(_shapes().values())
    assert len(functions) >= 100
    for fn in functions:
        expected = _sdk_answer(partial(sdk_hints, fn))
        assert _sdk_answer(partial(type_hints_from_func, fn)) == expected, fn.__qualname__
    shapes = _shapes()
    assert type_hints_from_func(shapes["update"]) == ([CompleteTask], UpdateResult)
    pairs = [(a, b) for a in shapes.values() for b in shapes.values()]
    defn = _definition._Definition.must_from_class(CaseWorkflow)
    pairs += [(u.fn, u.validator) for u in defn.updates.values() if u.validator is not None]
    agreed = [sdk_identical(a, b) for a, b in pairs]
    assert [parameters_identical_up_to_naming(a, b) for a, b in pairs] == agreed
    assert agreed.count(False) > agreed.count(True) > len(shapes)  # both answers are tested


def test_the_update_handlers_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every update handler and validator of CaseWorkflow is answered without the SDK's
    ``get_type_hints`` (what made loading a case slow), and so is their comparison."""
    from temporalio.workflow import _definition

    from sg989.sandbox_defn import (
        _UpdateMethodCheck,
        fast_type_hints,
        parameters_identical_up_to_naming,
        type_hints_from_func,
    )
    from workflows.case import CaseWorkflow

    def refused(*args: Any) -> Any:
        raise AssertionError("left to the SDK")

    assert fast_type_hints()
    monkeypatch.setattr(_UpdateMethodCheck, "sdk_type_hints_from_func", refused)
    monkeypatch.setattr(_UpdateMethodCheck, "sdk_parameters_identical", refused)
    updates = _definition._Definition.must_from_class(CaseWorkflow).updates.values()
    assert len(updates) >= 10
    for update in updates:
        args, ret = type_hints_from_func(update.fn)
        assert ret is UpdateResult and args is not None
        if update.validator is None:  # settle
            continue
        assert type_hints_from_func(update.validator) == (args, type(None))
        assert parameters_identical_up_to_naming(update.fn, update.validator)
