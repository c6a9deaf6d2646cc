"""Nieuwe melding, for the roles that may register one (commandant, COID-adviseur)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.problems import Problem, field_errors
from api.schemas import MeldingIn
from api.web import service
from api.web.pages import (
    REGISTRARS,
    engine_of,
    redirect,
    refused,
    render,
    temporal_of,
    with_message,
)
from api.web.session import CsrfChecked, WebUser
from domain.case import Actor
from domain.categories import CATEGORY_LABELS, Category, Channel, MelderType

REGISTRARS_ONLY = "Een melding registreren kan alleen een commandant of een COID-adviseur."
router = APIRouter(prefix="/app", include_in_schema=False)
FIELDS = (
    "unit", "category", "category_toelichting", "channel", "melder_type", "melder_contact",
    "description", "betrokkenen",
)  # fmt: skip


def _page(
    request: Request, user: Actor, values: dict[str, Any], status: int = 200, **extra: Any
) -> HTMLResponse:
    return render(
        request,
        "melding.html",
        status=status,
        user=user,
        title="Nieuwe melding",
        values=values,
        categories=[(c.value, CATEGORY_LABELS.get(c, c.value)) for c in Category],
        channels=[c.value for c in Channel],
        melder_types=[m.value for m in MelderType],
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/meldingen/nieuw", name="new_melding")
def new_melding(request: Request, user: WebUser) -> HTMLResponse:
    if denied := refused(request, user, REGISTRARS, REGISTRARS_ONLY):
        return denied
    values = {"unit": user.units[0] if user.units else "", "sleutel": uuid.uuid4().hex}
    return _page(request, user, values)


@router.post("/meldingen/nieuw", dependencies=[CsrfChecked])
async def register(request: Request, user: WebUser) -> Response:
    if denied := refused(request, user, REGISTRARS, REGISTRARS_ONLY):
        return denied
    form = await request.form()
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in (*FIELDS, "sleutel")}
    data: dict[str, Any] = {k: v for k, v in values.items() if v and k in FIELDS}
    data["betrokkenen"] = [
        ref.strip() for ref in values["betrokkenen"].replace(",", "\n").splitlines() if ref.strip()
    ]
    try:
        melding = MeldingIn.model_validate(data)
    except ValidationError as exc:
        errors = {e["field"].split(".")[0]: e["message"] for e in field_errors(list(exc.errors()))}
        return _page(request, user, values, status=422, errors=errors)
    try:
        created = await service.register(
            engine_of(request),
            await temporal_of(request),
            user,
            melding,
            idempotency_key=f"web-{user.sub}-{values['sleutel'] or uuid.uuid4().hex}",
            policy=request.app.state.policy,
            task_queue=request.app.state.settings.task_queue,
        )
    except Problem as problem:
        return _page(request, user, values, status=problem.status, fout=problem.detail)
    return redirect(with_message(f"/app/zaken/{created.case_id}", "De melding is geregistreerd."))
