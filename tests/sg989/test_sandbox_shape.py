"""@workflow.defn on a case's fresh CaseWorkflow: built from the shape the SDK found first."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio import workflow
from temporalio.workflow import _definition

from sg989 import sandbox_shape
from sg989.sandbox_pool import Kind, prepare
from sg989.sandbox_shape import fingerprint, remember_shapes
from sg989.worker import workflow_runner


def fresh_case_workflow() -> Any:
    """CaseWorkflow as a case being loaded gets it: imported anew in a sandbox of its own."""
    runner = workflow_runner()
    kind = Kind("workflows.case", "CaseWorkflow", runner.runner_class)
    return prepare(kind, runner.restrictions).scope["__temporal_workflow_class"]


def summary(cls: Any) -> dict[str, Any]:
    """What the worker reads of a definition, with each function named and checked to be the
    class's own."""
    defn = _definition._Definition.must_from_class(cls)

    def own(fn: Any) -> str:
        assert getattr(cls, fn.__name__) is fn or getattr(cls, fn.__name__).__func__ is fn
        return str(fn.__qualname__)

    return {
        "name": defn.name,
        "run": own(defn.run_fn),
        "types": (defn.arg_types, defn.ret_type),
        "sandboxed": defn.sandboxed,
        "signals": {k: own(d.fn) for k, d in defn.signals.items()},
        "queries": {k: own(d.fn) for k, d in defn.queries.items()},
        "updates": {
            k: (own(d.fn), d.validator and own(d.validator), d.arg_types, d.ret_type)
            for k, d in defn.updates.items()
        },
    }


@pytest.fixture
def shapes(monkeypatch: pytest.MonkeyPatch) -> dict[Any, Any]:
    known: dict[Any, Any] = {}
    monkeypatch.setattr(sandbox_shape, "_SHAPES", known)
    assert remember_shapes()
    return known


def test_a_case_loaded_later_gets_the_definition_the_sdk_gives(
    shapes: dict[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    sdk_apply = _definition._Definition._apply_to_class.sdk_apply  # type: ignore[attr-defined]
    walks: list[type] = []

    def counted(cls: type, **options: Any) -> None:
        walks.append(cls)
        sdk_apply(cls, **options)

    shaped = sandbox_shape.apply_to_class(counted, _definition._Definition)
    monkeypatch.setattr(_definition._Definition, "_apply_to_class", staticmethod(shaped))
    first = fresh_case_workflow()
    assert walks == [first] and len(shapes) == 1  # the SDK walked it; its shape is kept
    later = fresh_case_workflow()
    assert later is not first and walks == [first]  # built from the shape: no walk
    assert summary(later) == summary(first)
    assert len(summary(later)["updates"]) >= 10


def probe_class(body: str) -> type:
    """A workflow class as if from sg989's workflow modules, whose run method is ``body``."""
    scope: dict[str, Any] = {"workflow": workflow}
    source = (
        "class Probe:\n"
        "    @workflow.run\n"
        "    async def run(self) -> str:\n"
        f"        return {body!r}\n"
        "    @workflow.query\n"
        "    def state(self) -> str:\n"
        "        return 'state'\n"
    )
    exec(compile(source, "workflows/probe.py", "exec"), scope)
    cls: type = scope["Probe"]
    cls.__module__ = "workflows.probe"
    return cls


def test_a_changed_class_is_walked_and_checked_by_the_sdk(shapes: dict[Any, Any]) -> None:
    options = {"workflow_name": "Probe", "sandboxed": True}
    assert fingerprint(probe_class("a"), options) == fingerprint(probe_class("a"), options)
    assert fingerprint(probe_class("b"), options) != fingerprint(probe_class("a"), options)
    assert fingerprint(probe_class("a"), options | {"sandboxed": False}) != fingerprint(
        probe_class("a"), options
    )
    workflow.defn(probe_class("a"))
    assert len(shapes) == 1
    same = probe_class("a")
    assert _definition._Definition.must_from_class(workflow.defn(same)).queries.keys() == {"state"}
    broken = probe_class("b")
    broken.state = workflow.run(broken.__dict__["run"])  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="Multiple @workflow.run methods"):
        workflow.defn(broken)  # same names, other code: the SDK's own check refuses it


def test_classes_outside_the_workflow_modules_are_never_remembered(
    shapes: dict[Any, Any],
) -> None:
    cls = probe_class("a")
    cls.__module__ = "tests.elsewhere"
    assert fingerprint(cls, {}) is None
    workflow.defn(cls)
    assert shapes == {}
