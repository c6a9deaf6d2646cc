"""Spare sandboxes: prepared while the worker is idle, each serving one case only."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import temporalio.converter
import temporalio.workflow
from temporalio.api.common.v1 import Payloads
from temporalio.api.failure.v1 import Failure
from temporalio.worker import UnsandboxedWorkflowRunner, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxRestrictions, _runner

from sg989.sandbox_pool import Kind, SandboxPool
from sg989.worker import PASSTHROUGH_MODULES, workflow_runner
from workflows.case import CaseWorkflow

KIND = Kind("workflows.case", "CaseWorkflow", UnsandboxedWorkflowRunner)


def details() -> WorkflowInstanceDetails:
    """What the SDK passes when it checks a workflow class (prepare_workflow): no real case."""
    return WorkflowInstanceDetails(
        payload_converter_factory=temporalio.converter.DataConverter.default._new_payload_converter,
        failure_converter_class=temporalio.converter.DataConverter.default.failure_converter_class,
        interceptor_classes=[],
        defn=temporalio.workflow._Definition.must_from_class(CaseWorkflow),
        info=_runner._fake_info,
        randomness_seed=-1,
        extern_functions={},
        disable_eager_activity_execution=False,
        worker_level_failure_exception_types=[],
        patch_activation_callback=None,
        last_completion_result=Payloads(),
        last_failure=Failure(),
    )


def restrictions() -> SandboxRestrictions:
    return SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)


def until(condition: Any, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def pool() -> Iterator[SandboxPool]:
    yield SandboxPool(depth=2, quiet=0.001)


def test_the_pool_keeps_sandboxes_ready_once_a_workflow_was_loaded(pool: SandboxPool) -> None:
    rules = restrictions()
    assert pool.take(KIND, rules) is None  # nothing is prepared before a case was loaded
    assert until(lambda: pool.ready(KIND) == 2)
    first, second = pool.take(KIND, rules), pool.take(KIND, rules)
    assert first is not None and second is not None
    assert until(lambda: pool.ready(KIND) == 2)  # and made ready again


def test_no_two_cases_share_a_sandbox_or_its_modules(pool: SandboxPool) -> None:
    rules = restrictions()
    pool.take(KIND, rules)
    assert until(lambda: pool.ready(KIND) == 2)
    first, second = pool.take(KIND, rules), pool.take(KIND, rules)
    assert first is not None and second is not None
    assert first.importer is not second.importer
    ours = [p.scope["__temporal_workflow_class"] for p in (first, second)]
    assert ours[0] is not ours[1] and CaseWorkflow not in ours  # each its own fresh import
    assert ours[0].__module__ == "workflows.case"


def test_nothing_is_prepared_while_an_activation_runs(pool: SandboxPool) -> None:
    rules = restrictions()
    with pool.busy():
        pool.take(KIND, rules)
        time.sleep(0.2)
        assert pool.ready(KIND) == 0
    assert until(lambda: pool.ready(KIND) == 2)


def test_a_sandbox_is_only_taken_under_the_restrictions_it_was_prepared_with(
    pool: SandboxPool,
) -> None:
    pool.take(KIND, restrictions())
    assert until(lambda: pool.ready(KIND) == 2)
    assert pool.take(KIND, restrictions()) is not None  # equal restrictions, another object
    assert pool.take(KIND, SandboxRestrictions.default) is None


def test_a_pool_of_depth_zero_prepares_nothing() -> None:
    pool = SandboxPool(depth=0, quiet=0.001)
    assert pool.take(KIND, restrictions()) is None
    time.sleep(0.2)
    assert pool.ready(KIND) == 0


async def test_an_instance_from_a_prepared_sandbox_is_the_sdk_s_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The runner creates the workflow instance in a prepared sandbox when one is ready."""
    from sg989.sandbox_pool import POOL

    runner = workflow_runner()
    runner.create_instance(details())  # the class is now known to the pool
    kind = Kind("workflows.case", "CaseWorkflow", runner.runner_class)
    assert until(lambda: POOL.ready(kind) >= 1)
    monkeypatch.setattr(POOL, "quiet", 3600.0)  # no refill while this test counts
    before = POOL.ready(kind)
    instance: Any = runner.create_instance(details())
    assert POOL.ready(kind) == before - 1  # it took one
    inside = instance.globals_and_locals["__temporal_in_sandbox"]
    assert type(inside).__name__ == "InSandbox"
    assert instance.globals_and_locals["__temporal_workflow_class"] is not CaseWorkflow


async def test_nothing_is_prepared_while_an_activity_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A store write is part of an Update: preparing a sandbox then would slow that Update."""
    from sg989 import sandbox_pool

    pool = SandboxPool(depth=2, quiet=0.001)
    monkeypatch.setattr(sandbox_pool, "POOL", pool)
    seen: list[int] = []

    class Write:
        async def execute_activity(self, input: Any) -> str:
            pool.take(KIND, restrictions())  # a case was loaded meanwhile
            await asyncio.sleep(0.2)
            seen.append(pool.ready(KIND))
            return "written"

    busy = sandbox_pool.BusyActivities().intercept_activity(Write())  # type: ignore[arg-type]
    assert await busy.execute_activity(None) == "written"  # type: ignore[arg-type]
    assert seen == [0]
    assert until(lambda: pool.ready(KIND) == 2)


def test_a_case_evicted_for_room_has_a_sandbox_prepared_at_once() -> None:
    """The core evicts a case when its cache is full and another is loading: the thread
    prepares one sandbox then, without waiting for the worker to be idle."""
    pool = SandboxPool(depth=2, quiet=3600.0)
    rules = restrictions()
    with pool.busy():  # an activation ran just now
        pool.take(KIND, rules)
    time.sleep(0.2)
    assert pool.ready(KIND) == 0  # never idle long enough
    with pool.busy():  # the eviction's own activation runs meanwhile
        pool.load_coming()
        assert until(lambda: pool.ready(KIND) == 1)
    time.sleep(0.2)
    assert pool.ready(KIND) == 1  # one per load coming


def test_a_case_loading_waits_for_the_sandbox_being_prepared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sg989 import sandbox_pool

    started = threading.Event()
    real_prepare = sandbox_pool.prepare

    def slow_prepare(kind: Kind, rules: SandboxRestrictions) -> Any:
        started.set()
        time.sleep(0.1)
        return real_prepare(kind, rules)

    monkeypatch.setattr(sandbox_pool, "prepare", slow_prepare)
    monkeypatch.setattr(sandbox_pool, "AWAIT_PREPARING", 30.0)  # a loaded CI machine is slow
    pool = SandboxPool(depth=2, quiet=3600.0)
    rules = restrictions()
    with pool.busy():
        pool.take(KIND, rules)
    pool.load_coming()
    assert started.wait(5)
    assert pool.take(KIND, rules) is not None  # it waited rather than import its own


def test_only_an_eviction_for_room_announces_a_load() -> None:
    from temporalio.bridge.proto.workflow_activation import RemoveFromCache, WorkflowActivationJob

    from sg989.sandbox import _evicted_for_room

    reason = RemoveFromCache.EvictionReason
    full = WorkflowActivationJob(remove_from_cache=RemoveFromCache(reason=reason.CACHE_FULL))
    ending = WorkflowActivationJob(
        remove_from_cache=RemoveFromCache(reason=reason.WORKFLOW_EXECUTION_ENDING)
    )
    assert _evicted_for_room(full)
    assert not _evicted_for_room(ending)
    assert not _evicted_for_room(WorkflowActivationJob())
