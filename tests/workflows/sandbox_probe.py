"""A workflow that reaches into each workflow module and reads the clock as that module would.

It lives in its own small module because the sandbox re-imports the module of every workflow.
"""

from __future__ import annotations

import importlib

from temporalio import workflow


@workflow.defn(name="SandboxProbe")
class SandboxProbe:
    @workflow.run
    async def run(self, host_ids: dict[str, int]) -> dict[str, str]:
        """Per module: whether the workflow got its own copy (not the worker's, given by id),
        and what happened to a call of the ``datetime.now`` that module's code would call."""
        # Import all first, as the worker does: a module that passes another one through
        # (imports_passed_through) hands the sandbox the worker's copy of it.
        modules = {name: importlib.import_module(name) for name in host_ids}
        outcome: dict[str, str] = {}
        for name, host_id in host_ids.items():
            module = modules[name]
            copy = "own copy" if id(module) != host_id else "the worker's module"
            outcome[name] = f"{copy}, {self._clock(vars(module))}"
        return outcome

    @staticmethod
    def _clock(namespace: dict) -> str:
        clock = namespace.get("datetime")
        if clock is None:
            return "no datetime"
        try:
            now = clock.datetime.now() if hasattr(clock, "datetime") else clock.now()
        except Exception as exc:
            return f"caught: {type(exc).__name__}"
        return f"read the clock: {now}"
