"""Unknown query parameters are a 422 on every documented endpoint: `?status=gesloten` on an
endpoint that has no such filter must not silently answer as if no filter was asked for."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.problems import Problem


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


_known: dict[int, frozenset[str]] = {}


def _known_parameters(route: APIRoute) -> frozenset[str]:
    if id(route) not in _known:
        _known[id(route)] = frozenset(_query_names(route.dependant))
    return _known[id(route)]


async def reject_unknown_query(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return  # the web app's pages and non-API routes decide for themselves
    unknown = sorted(set(request.query_params) - _known_parameters(route))
    if unknown:
        known = ", ".join(sorted(_known_parameters(route))) or "none"
        raise Problem(
            422,
            f"unknown query parameter(s): {', '.join(unknown)}; this endpoint takes: {known}",
            errors=[
                {"field": f"query.{name}", "message": "unknown query parameter"} for name in unknown
            ],
        )
