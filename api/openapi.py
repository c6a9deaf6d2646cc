"""The OpenAPI document, completed where FastAPI cannot infer it:

- the body of POST /tasks/{task_id}/complete is a union discriminated by `task_type`, one
  variant per task type with exactly the fields its payload model takes;
- every error of every endpoint is documented as `application/problem+json` (RFC 9457),
  including the 422 of request validation and the 500 of the catch-all.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import Field, TypeAdapter, create_model

from api.problems import TITLES
from domain.payloads import PAYLOAD_MODEL
from domain.phases import TaskType

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `errors` lists each bad field of a 422.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "A sentence a person understands"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "request_id": {"type": "string", "description": "Of a 500: quote it to the beheerder"},
    },
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
ALWAYS = {
    "422": "The request does not validate (an unknown query parameter, a bad field)",
    "500": "An unexpected error; logged with the request id, nothing of it leaks",
}
COMPLETE_PATH = "/tasks/{task_id}/complete"


def completion_models() -> list[type]:
    """One model per task type: its payload fields plus `task_type` as the discriminator."""
    models = []
    for task_type in TaskType:
        literal = Literal[task_type.value]  # type: ignore[valid-type,name-defined]
        models.append(
            create_model(
                f"Complete_{task_type.value}",
                __base__=PAYLOAD_MODEL[task_type],
                task_type=(
                    literal,
                    Field(description="The task's type (optional in requests; checked if sent)"),
                ),
            )
        )
    return models


def completion_schema() -> tuple[dict[str, Any], dict[str, Any]]:
    """(the body schema, the component schemas it refers to)."""
    union = Annotated[Union[tuple(completion_models())], Field(discriminator="task_type")]  # type: ignore[valid-type]  # noqa: UP007
    adapter: TypeAdapter[Any] = TypeAdapter(union)  # type: ignore[arg-type]
    schema = adapter.json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    return schema, defs


def _document_problems(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for code, description in ALWAYS.items():
        responses.setdefault(code, {"description": description})
    for code, response in responses.items():
        if code[0] in "45":
            response["content"] = {"application/problem+json": {"schema": PROBLEM_REF}}
            if response.get("description") in (None, "", "Validation Error"):
                response["description"] = TITLES.get(int(code), "Error")


def build_openapi(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    complete = schema.get("paths", {}).get(COMPLETE_PATH, {}).get("post")
    if complete is not None:
        body_schema, defs = completion_schema()
        components.update(defs)
        content = complete["requestBody"]["content"]["application/json"]
        content["schema"] = body_schema
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict):
                _document_problems(operation)
    return schema


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
