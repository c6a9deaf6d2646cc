"""Task forms generated from the task type's pydantic payload schema, and back into a payload.

The web app does not validate a payload itself: the API's `validate_payload` and the workflow's
validators do, and their messages are shown next to the fields they name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from api.web.dutch import label
from domain.measures import Measure
from domain.payloads import PAYLOAD_MODEL
from domain.phases import TaskType

TEXTAREA_MIN_LENGTH = 2000


@dataclass
class FormField:
    name: str
    label: str
    kind: str  # text | textarea | select | date | radio_bool | checkbox | number | lines | multi
    required: bool
    options: list[tuple[str, str]] = field(default_factory=list)
    default: Any = None
    value: Any = None
    error: str = ""
    help: str = ""
    prefix: str = ""  # tells apart the forms of several tasks on one page

    @property
    def id(self) -> str:
        return f"{self.prefix}veld-{self.name}"


def _unwrap(schema: dict[str, Any]) -> dict[str, Any]:
    """`X | None` appears as anyOf [X, null]: the X."""
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return {**option, **{k: v for k, v in schema.items() if k != "anyOf"}}
    return schema


def _kind(name: str, schema: dict[str, Any], choices: dict[str, list[str]]) -> FormField:
    s = _unwrap(schema)
    kind, options = "text", []
    if "enum" in s:
        kind, options = "select", [(v, label(str(v))) for v in s["enum"]]
    elif s.get("type") == "boolean":
        kind = "checkbox" if "default" in schema else "radio_bool"
    elif s.get("type") == "integer":
        kind = "number"
    elif s.get("format") == "date":
        kind = "date"
    elif s.get("type") == "object":
        kind = "bool_map"
        options = [(ref, ref) for ref in choices.get("betrokkenen", [])]
    elif s.get("type") == "array":
        items = _unwrap(s.get("items", {}))
        pool = choices.get(name) or ([m.value for m in Measure] if "maatregel" in name else None)
        if "enum" in items:
            kind, options = "multi", [(v, label(str(v))) for v in items["enum"]]
        elif pool:
            kind, options = "multi", [(v, label(v)) for v in pool]
        else:
            kind = "lines"
    elif s.get("maxLength", 0) >= TEXTAREA_MIN_LENGTH or name in ("motivering", "opmerkingen"):
        kind = "textarea"
    return FormField(
        name=name,
        label=label(name).capitalize(),
        kind=kind,
        required=False,
        options=options,
        default=schema.get("default"),
        help=str(s.get("description", "")),
    )


def task_form(
    task_type: TaskType,
    choices: dict[str, list[str]],
    names: dict[str, str] | None = None,
    prefix: str = "",
) -> list[FormField]:
    """The fields of ``task_type``'s payload; ``choices`` offers values for list fields
    (betrokkenen of the case, people who hold a role) and ``names`` labels those values."""
    schema = PAYLOAD_MODEL[task_type].model_json_schema()
    required = set(schema.get("required", []))
    fields = []
    for name, prop in schema.get("properties", {}).items():
        form_field = _kind(name, prop, choices)
        form_field.required = name in required
        if names:
            form_field.options = [(v, names.get(v, text)) for v, text in form_field.options]
        form_field.value = form_field.default
        form_field.prefix = prefix
        fields.append(form_field)
    return fields


def _one(form: FormData, f: FormField) -> Any:
    if f.kind == "multi":
        return [str(v) for v in form.getlist(f.name)]
    if f.kind == "checkbox":
        return f.name in form
    if f.kind == "bool_map":
        answers = {ref: form.get(f"{f.name}.{ref}") for ref, _ in f.options}
        return {ref: a == "ja" for ref, a in answers.items() if a in ("ja", "nee")}
    raw = str(form.get(f.name, "")).strip()
    if f.kind == "radio_bool":
        return {"ja": True, "nee": False}.get(raw)
    if f.kind == "lines":
        return [p.strip() for p in raw.replace(",", "\n").splitlines() if p.strip()]
    if f.kind == "number" and raw.lstrip("-").isdigit():
        return int(raw)
    return raw or None


def payload_from_form(form: FormData, fields: list[FormField]) -> dict[str, Any]:
    """The payload as the API expects it; what was left empty is left out, so the schema's own
    default or its 'field required' applies. Also remembers the values to re-show the form."""
    payload: dict[str, Any] = {}
    for f in fields:
        value = _one(form, f)
        f.value = value
        empty = value is None or (value == [] and not f.required) or (value == {} and f.options)
        if not empty or f.kind == "checkbox":
            payload[f.name] = value
    return payload


def attach_errors(fields: list[FormField], errors: list[dict[str, str]]) -> list[str]:
    """Put each API error next to its field; returns the messages that belong to no field."""
    by_name = {f.name: f for f in fields}
    general = []
    for err in errors:
        path = err.get("field", "").removeprefix("payload.").split(".")
        target = by_name.get(path[0])
        if target is not None:
            target.error = err.get("message", "")
        else:
            general.append(err.get("message", ""))
    return general
