"""The workflow sandbox, with the SDK's per-call overhead taken out of the hot path.

Temporal's ``SandboxedWorkflowRunner`` enters the sandbox through ``_Instance._run_code``, which
compiles a source string with ``exec`` on every call, and does so not only per activation but
also once per payload the worker encodes or decodes, only to ask the workflow for its
serialization context (a pure function of the workflow's info and pending commands). Profiled
under the write benchmark (py-spy, c=20) that wrapper was a quarter of the process's CPU, the
workflow code itself a few per cent.

``LeanSandboxedWorkflowRunner`` keeps the sandbox exactly as it is (same restrictions, same
fresh imports of the workflow modules, every activation runs with the restricted importer
applied) and changes two things:
- the entry snippets are compiled once per process, not once per call;
- the serialization and external-store contexts are read from the sandboxed instance directly:
  they run no workflow code and import nothing, so there is nothing for the sandbox to guard.

It builds on the SDK's private ``_Instance``. Where an SDK version lacks what it relies on,
``workflow_runner`` in sg989/worker.py falls back to the stock runner
(tests/workflows/test_sandbox.py says which one is in use with the installed SDK).

Loading a case creates its sandbox anew; ``sg989.sandbox_defn`` makes the checks
``@workflow.defn`` runs then cheaper, and ``sg989.sandbox_pool`` imports the workflow modules into
spare sandboxes while the worker is idle.
"""

from __future__ import annotations

import inspect
import threading
from types import CodeType
from typing import Any

import temporalio.workflow
from temporalio.bridge.proto.workflow_activation import RemoveFromCache
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from sg989.sandbox_defn import fast_type_hints, fast_update_method_check
from sg989.sandbox_pool import POOL, Kind
from sg989.sandbox_shape import remember_shapes

try:
    from temporalio.worker.workflow_sandbox import _runner as _sdk_runner

    _SdkInstance: Any = _sdk_runner._Instance
except (ImportError, AttributeError):  # pragma: no cover - an SDK without the private class
    _SdkInstance = None

IN_SANDBOX = "__temporal_in_sandbox"
# The SDK's second step of creating an instance, run in a sandbox ``sg989.sandbox_pool`` prepared.
CREATE_INSTANCE = (
    "with __temporal_importer.applied():\n"
    "  from temporalio.worker.workflow_sandbox._in_sandbox import InSandbox\n"
    "  __temporal_in_sandbox = InSandbox("
    "__temporal_instance_details, __temporal_runner_class, __temporal_workflow_class)\n"
)
_REQUIRED = (
    "_run_code",
    "_create_instance",
    "get_serialization_context",
    "get_external_store_context",
)


def _sdk_fits() -> bool:
    """Whether the installed SDK's ``_Instance`` is the one this module was written against."""
    if _SdkInstance is None or not all(hasattr(_SdkInstance, name) for name in _REQUIRED):
        return False
    try:
        created = inspect.getsource(_SdkInstance._create_instance)
    except (OSError, TypeError):
        return False
    return IN_SANDBOX in created and CREATE_INSTANCE.splitlines()[-1].strip() in created


LEAN_SUPPORTED = _sdk_fits()


def _evicted_for_room(job: Any) -> bool:
    """Whether an activation's job evicts this case because the cache is full: another case
    is being loaded in its place."""
    if not job.HasField("remove_from_cache"):
        return False
    return bool(job.remove_from_cache.reason == RemoveFromCache.EvictionReason.CACHE_FULL)


_compiled: dict[str, CodeType] = {}


def compiled(source: str) -> CodeType:
    code = _compiled.get(source)
    if code is None:
        code = _compiled[source] = compile(source, "workflow_sandbox.py", "exec")
    return code


if _SdkInstance is not None:

    class _LeanInstance(_SdkInstance):  # type: ignore[misc]
        _current_thread_id: int | None
        globals_and_locals: dict[str, Any]
        importer: Any

        def _run_code(self, code: str, **extra_globals: Any) -> None:
            """The SDK's ``_run_code`` with the snippet compiled once instead of per call."""
            scope = self.globals_and_locals
            scope.update(extra_globals)
            try:
                temporalio.workflow.unsafe._set_in_sandbox(True)
                self._current_thread_id = threading.get_ident()
                exec(compiled(code), scope, scope)
            finally:
                temporalio.workflow.unsafe._set_in_sandbox(False)
                self._current_thread_id = None
                for key in extra_globals:
                    scope.pop(key, None)

        def _create_instance(self) -> None:
            """The SDK's, in a sandbox whose imports ran while the worker was idle if one is
            ready (``sg989.sandbox_pool``)."""
            kind = Kind(
                self._workflow_module_name(),
                self.instance_details.defn.cls.__name__,
                self.runner_class,
            )
            prepared = POOL.take(kind, self.importer.restrictions)
            if prepared is None:
                with POOL.busy():
                    super()._create_instance()
                return
            self.importer, self.globals_and_locals = prepared.importer, prepared.scope
            try:
                self.importer.restriction_context.is_runtime = True
                with POOL.busy():
                    self._run_code(
                        CREATE_INSTANCE,
                        __temporal_importer=self.importer,
                        __temporal_instance_details=self.instance_details,
                    )
            finally:
                self.importer.restriction_context.is_runtime = False

        def activate(self, act: Any) -> Any:
            if any(_evicted_for_room(job) for job in act.jobs):
                POOL.load_coming()  # before the eviction itself: every millisecond counts
            with POOL.busy():
                return super().activate(act)

        def _in_sandbox(self) -> Any:
            return self.globals_and_locals.get(IN_SANDBOX)

        def get_serialization_context(self, command_info: Any) -> Any:
            inside = self._in_sandbox()
            if inside is None:  # not created yet: the SDK's way
                return super().get_serialization_context(command_info)
            return inside.get_serialization_context(command_info)

        def get_external_store_context(self, command_info: Any) -> Any:
            inside = self._in_sandbox()
            if inside is None:
                return super().get_external_store_context(command_info)
            return inside.get_external_store_context(command_info)


class LeanSandboxedWorkflowRunner(SandboxedWorkflowRunner):
    """``SandboxedWorkflowRunner`` whose instances enter the sandbox without recompiling."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        fast_update_method_check()
        fast_type_hints()
        remember_shapes()
        instance: WorkflowInstance = _LeanInstance(det, self.runner_class, self.restrictions)
        return instance
