"""``@workflow.defn`` checked once per workflow class and process, not once per case loaded.

Every case loaded imports the workflow modules afresh in its own sandbox, and with them runs
``@workflow.defn`` on ``CaseWorkflow`` again: the SDK walks every member of the class and of
each base class to collect the run method and the signal, query and update handlers, and
checks that they fit together. The classes it meets are new objects each time, built from the
same code: the answer is the same every time. That walk was about 5 ms of the 12 ms a sandbox
costs, and a sandbox is what makes an Update on an evicted case cost more than a cached one.

``remember_shapes`` wraps the SDK's ``_Definition._apply_to_class``. The first time it meets a
class of sg989's own workflow modules (``workflows.*``), the SDK's walk runs and the result is
kept as a *shape*: which member is the run method and which members carry which handler, by
name. A later class from the same module with the same qualified name, the same member names
and the same code behind each of its functions gets its definition built from that shape: the
handler definitions are read from its own members, so the definition points at its own
functions, as the SDK's would. Any difference, or any class from elsewhere, goes to the SDK.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType, FunctionType
from typing import Any

OWN_MODULES = "workflows."  # only sg989's workflow classes; a test's or a sample's go to the SDK
SIGNAL, QUERY = "__temporal_signal_definition", "__temporal_query_definition"
DEFINITION = "__temporal_workflow_definition"


@dataclass(frozen=True)
class Shape:
    """Where @workflow.defn found each part of a class, by member name."""

    run: str
    signals: tuple[str, ...]
    queries: tuple[str, ...]
    updates: tuple[str, ...]
    dynamic_config: str | None


_SHAPES: dict[tuple[Any, ...], Shape] = {}


def fingerprint(cls: type, options: dict[str, Any]) -> tuple[Any, ...] | None:
    """What makes two classes the same to @workflow.defn: where they come from, the options
    it was given, and every member of theirs and of their bases with the code behind it."""
    if not cls.__module__.startswith(OWN_MODULES):
        return None
    try:
        option_key = tuple(sorted((k, _hashable(v)) for k, v in options.items()))
    except TypeError:
        return None
    members: list[tuple[Any, ...]] = []
    for klass in cls.__mro__:
        members.append((klass.__module__, klass.__qualname__))
        for name, value in vars(klass).items():
            members.append((name, _code_of(value)))
    return (cls.__module__, cls.__qualname__, option_key, tuple(members))


def _hashable(value: Any) -> Any:
    value = tuple(value) if isinstance(value, list) else value
    hash(value)
    return value


def _code_of(value: Any) -> Any:
    """Where a function member's code comes from and its bytecode; the type of anything else."""
    fn = getattr(value, "__func__", value)  # a staticmethod's or classmethod's function
    if type(fn) is FunctionType:
        return _code_key(fn.__code__)
    return type(value).__qualname__


def _code_key(code: CodeType) -> tuple[Any, ...]:
    # type() rather than isinstance: this runs inside the sandbox, whose isinstance is wrapped.
    consts = tuple(_code_key(c) if type(c) is CodeType else c for c in code.co_consts)
    return (code.co_filename, code.co_firstlineno, code.co_code, code.co_names, consts)


def shape_of(cls: type, defn: Any) -> Shape | None:
    """The shape of a class the SDK has just defined, or None if a member name does not lead
    back to what the SDK found."""
    run = defn.run_fn.__name__
    signals = tuple(d.fn.__name__ for d in defn.signals.values())
    queries = tuple(d.fn.__name__ for d in defn.queries.values())
    updates = tuple(d.fn.__name__ for d in defn.updates.values())
    dynamic = defn.dynamic_config_fn.__name__ if defn.dynamic_config_fn else None
    shape = Shape(run, signals, queries, updates, dynamic)
    try:
        rebuilt = _collect(cls, shape)
    except (AttributeError, TypeError):
        return None
    same = (
        rebuilt["run_fn"] is defn.run_fn
        and rebuilt["signals"] == defn.signals
        and rebuilt["queries"] == defn.queries
        and rebuilt["updates"] == defn.updates
        and rebuilt["dynamic_config_fn"] is defn.dynamic_config_fn
    )
    return shape if same else None


def _collect(cls: type, shape: Shape) -> dict[str, Any]:
    signals = [getattr(getattr(cls, name), SIGNAL) for name in shape.signals]
    queries = [getattr(getattr(cls, name), QUERY) for name in shape.queries]
    updates = [getattr(cls, name)._defn for name in shape.updates]
    return {
        "run_fn": getattr(cls, shape.run),
        "signals": {d.name: d for d in signals},
        "queries": {d.name: d for d in queries},
        "updates": {d.name: d for d in updates},
        "dynamic_config_fn": getattr(cls, shape.dynamic_config) if shape.dynamic_config else None,
    }


def apply_to_class(sdk_apply: Callable[..., None], definition_class: Any) -> Callable[..., None]:
    """``_Definition._apply_to_class`` that reuses the shape of a class it has seen."""

    def apply(cls: type, **options: Any) -> None:
        key = fingerprint(cls, options)
        shape = _SHAPES.get(key) if key is not None else None
        if shape is None or DEFINITION in vars(cls):
            sdk_apply(cls, **options)
            if key is not None and (found := shape_of(cls, vars(cls)[DEFINITION])) is not None:
                _SHAPES[key] = found
            return
        try:
            parts = _collect(cls, shape)
        except (AttributeError, TypeError):  # not the class it looked like: the SDK says why
            sdk_apply(cls, **options)
            return
        defn = definition_class(
            name=options["workflow_name"],
            cls=cls,
            sandboxed=options["sandboxed"],
            failure_exception_types=options["failure_exception_types"],
            versioning_behavior=options["versioning_behavior"],
            **parts,
        )
        setattr(cls, DEFINITION, defn)
        setattr(parts["run_fn"], DEFINITION, defn)

    apply.sdk_apply = sdk_apply  # type: ignore[attr-defined]
    return apply


def remember_shapes() -> bool:
    """Install the shape cache where ``@workflow.defn`` calls the SDK; True if it is in place."""
    try:
        from temporalio.workflow._definition import _Definition
    except ImportError:  # pragma: no cover - an SDK without the private module
        return False
    current = _Definition.__dict__.get("_apply_to_class")
    if not isinstance(current, staticmethod):
        return False
    if hasattr(current.__func__, "sdk_apply"):
        return True
    expected = {"workflow_name", "sandboxed", "failure_exception_types", "versioning_behavior"}
    if set(current.__func__.__code__.co_varnames[1:5]) != expected:
        return False  # an SDK whose definition takes other options than this was written for
    shaped = staticmethod(apply_to_class(current.__func__, _Definition))
    setattr(_Definition, "_apply_to_class", shaped)  # noqa: B010 - a method, by design
    return True
