"""Faster answers to the checks ``@workflow.defn`` runs each time a case is loaded.

Loading a case (new, or evicted from the cache) imports the workflow modules afresh in a new
sandbox, which runs ``@workflow.defn`` on ``CaseWorkflow`` again. Half of that went to one
check: for each of the class's ~160 members, and again for each base class's, the SDK asks
``isinstance(member, UpdateMethodMultiParam)``, a runtime Protocol whose check looks up three
attributes with ``inspect.getattr_static``, each through the sandbox's wrapped ``isinstance``
(about 250,000 calls per case loaded). ``fast_update_method_check`` answers "no" at once for
a member that has no ``_defn`` attribute at all (the Protocol cannot match it either) and
asks the Protocol itself otherwise, so the answer is the same for every member. The same
walk asks, for each base class's members, whether each is a function defined on that class,
through ``inspect.getmodule`` twice; ``fast_update_method_check`` also installs the same test
written out (``sys.modules.get(fn.__module__)``, which is what ``inspect.getmodule`` returns for
a function and for a class).

The same re-application resolves the type hints of every update, query and validator
(``typing.get_type_hints``: a ``ForwardRef`` compiled and evaluated per annotation, since the
workflow modules use ``from __future__ import annotations``) and compares each validator's
``inspect.signature`` with its update's. ``fast_type_hints`` answers both from the function's
code object and its module's globals where that is the whole story: a plain function with
positional parameters only, whose annotations are simple names its module binds to classes
(``CompleteTask``, ``UpdateResult``: the passed-through ``domain`` models) or ``None``.
Anything else (``list[X]``, a builtin, ``*args``, a decorated function) goes to the SDK.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping
from types import FunctionType, NoneType
from typing import Any

UPDATE_ATTRIBUTE = "_defn"  # what ``@workflow.update`` sets on the function it decorates


def _may_have_attribute(obj: Any, name: str) -> bool:
    """False only where ``inspect.getattr_static(obj, name)`` finds nothing: not in the
    object's own ``__dict__`` nor in its type's MRO. A class is left to the full check."""
    if isinstance(obj, type):
        return True
    try:
        own = object.__getattribute__(obj, "__dict__")
    except AttributeError:
        own = None
    if isinstance(own, Mapping) and name in own:
        return True
    return any(name in vars(klass) for klass in type(obj).__mro__)


class _UpdateMethodCheck(type):
    protocol: Any = None  # the SDK's, kept for the members that do have ``_defn``
    sdk_is_unbound_method_on_cls: Any = None  # the SDK's, kept for tests/workflows/test_sandbox.py
    sdk_type_hints_from_func: Any = None  # the SDK's, for what type_hints_from_func leaves to it
    sdk_parameters_identical: Any = None

    def __instancecheck__(cls, obj: Any) -> bool:
        if not _may_have_attribute(obj, UPDATE_ATTRIBUTE):
            return False
        return isinstance(obj, cls.protocol)


class FastUpdateMethodMultiParam(metaclass=_UpdateMethodCheck):
    """Stands in for ``UpdateMethodMultiParam`` where ``@workflow.defn`` checks members."""


def is_unbound_method_on_cls(fn: Callable[..., Any], cls: type) -> bool:
    """The SDK's ``_is_unbound_method_on_cls`` without ``inspect``'s generic look-ups: a plain
    function (FunctionType cannot be subclassed) from the class's module, named in its body."""
    return (
        type(fn) is FunctionType
        and sys.modules.get(fn.__module__) is sys.modules.get(cls.__module__)
        and fn.__qualname__.rsplit(".", 1)[0] == cls.__name__
    )


def fast_update_method_check() -> bool:
    """Make ``@workflow.defn``'s member check answer "no" fast; True if it is in place."""
    try:
        from temporalio.workflow import _definition
    except ImportError:  # pragma: no cover - an SDK without the private module
        return False
    current = getattr(_definition, "UpdateMethodMultiParam", None)
    if current is FastUpdateMethodMultiParam:
        return True
    if current is None or not hasattr(current, "__protocol_attrs__"):
        return False  # not the runtime Protocol this was written against
    if UPDATE_ATTRIBUTE not in current.__protocol_attrs__:
        return False
    _UpdateMethodCheck.protocol = current
    _definition.UpdateMethodMultiParam = FastUpdateMethodMultiParam  # type: ignore[misc,assignment]
    sdk_check = getattr(_definition, "_is_unbound_method_on_cls", None)
    if sdk_check is not None:
        _UpdateMethodCheck.sdk_is_unbound_method_on_cls = sdk_check
        _definition._is_unbound_method_on_cls = is_unbound_method_on_cls
    return True


_PLAIN_PARAMETERS_ONLY = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


def _positional_names(fn: Any) -> tuple[str, ...] | None:
    """The parameter names of a plain function whose signature its code object tells alone
    (no ``*args``, ``**kwargs``, keyword-only parameters, ``__wrapped__`` or ``__signature__``)."""
    if type(fn) is not FunctionType or "__wrapped__" in vars(fn) or "__signature__" in vars(fn):
        return None
    code = fn.__code__
    if code.co_kwonlyargcount or code.co_flags & _PLAIN_PARAMETERS_ONLY:
        return None
    return code.co_varnames[: code.co_argcount]


def _resolved(fn: Any, annotation: Any) -> type | None:
    """The class a simple-name annotation stands for in ``fn``'s module, as
    ``typing.get_type_hints`` resolves it; None where that takes more than a look-up."""
    if annotation == "None":
        return NoneType
    if not isinstance(annotation, str) or not annotation.isidentifier():
        return None
    bound = fn.__globals__.get(annotation)
    return bound if isinstance(bound, type) and not _is_generic_alias(bound) else None


def _is_generic_alias(obj: Any) -> bool:
    return getattr(obj, "__origin__", None) is not None


def type_hints_from_func(func: Callable[..., Any]) -> tuple[list[type] | None, type | None]:
    """``temporalio.common._type_hints_from_func`` by look-up where that gives its answer."""
    names = _positional_names(func)
    annotations = getattr(func, "__annotations__", None) if names is not None else None
    hints: dict[str, type] = {}
    for name, annotation in (annotations or {}).items():
        resolved = _resolved(func, annotation)
        if resolved is None:
            names = None
            break
        hints[name] = resolved
    if names is None or annotations is None:
        return _UpdateMethodCheck.sdk_type_hints_from_func(func)  # type: ignore[no-any-return]
    ret = hints.get("return")
    args: list[type] = []
    for index, name in enumerate(names):
        if index == 0 and name == "self" and name not in annotations:
            continue
        args.append(hints.get(name))  # type: ignore[arg-type]  # the SDK's: None if unannotated
    return args, ret


def parameters_identical_up_to_naming(fn1: Callable[..., Any], fn2: Callable[..., Any]) -> bool:
    """The SDK's ``_parameters_identical_up_to_naming`` (kind, default and annotation of each
    parameter equal, names aside) read from the code objects of two plain functions."""
    names1, names2 = _positional_names(fn1), _positional_names(fn2)
    if names1 is None or names2 is None:
        return _UpdateMethodCheck.sdk_parameters_identical(fn1, fn2)  # type: ignore[no-any-return]
    code1, code2 = fn1.__code__, fn2.__code__  # type: ignore[attr-defined]
    ann1: dict[str, Any] = fn1.__annotations__
    ann2: dict[str, Any] = fn2.__annotations__
    empty = inspect.Parameter.empty
    return (
        len(names1) == len(names2)
        and code1.co_posonlyargcount == code2.co_posonlyargcount
        and (fn1.__defaults__ or ()) == (fn2.__defaults__ or ())  # type: ignore[attr-defined]
        and [ann1.get(n, empty) for n in names1] == [ann2.get(n, empty) for n in names2]
    )


def fast_type_hints() -> bool:
    """Install ``type_hints_from_func`` and ``parameters_identical_up_to_naming`` where the SDK
    looks them up; True if they are in place."""
    import temporalio.common

    try:
        from temporalio.workflow import _definition
    except ImportError:  # pragma: no cover - an SDK without the private module
        return False
    sdk_hints = getattr(temporalio.common, "_type_hints_from_func", None)
    sdk_identical = getattr(_definition, "_parameters_identical_up_to_naming", None)
    if sdk_hints is None or sdk_identical is None:
        return False
    if sdk_hints is not type_hints_from_func:
        _UpdateMethodCheck.sdk_type_hints_from_func = sdk_hints
        temporalio.common._type_hints_from_func = type_hints_from_func
    if sdk_identical is not parameters_identical_up_to_naming:
        _UpdateMethodCheck.sdk_parameters_identical = sdk_identical
        _definition._parameters_identical_up_to_naming = parameters_identical_up_to_naming
    return True
