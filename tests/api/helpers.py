"""Steps a user takes through HTTP: register a melding, find a task in the inbox, complete it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.api.conftest import MELDING

Headers = Callable[[str], dict[str, str]]
BESCHIKKING = {
    "besluit": "instellen",
    "onderzoeksopdracht": "Onderzoek naar de feiten.",
    "onderzoekers": ["ond-1"],
    "betrokkenen": ["BTR-1"],
}


class Users:
    """One httpx client, acting as whichever role a step needs."""

    def __init__(self, client: httpx.AsyncClient, headers: Headers) -> None:
        self.client, self.headers = client, headers

    async def register(self, who: str = "commandant", **changes: Any) -> str:
        response = await self.client.post(
            "/cases", json={**MELDING, **changes}, headers=self.headers(who)
        )
        assert response.status_code == 201, response.text
        return str(response.json()["case_id"])

    async def task(self, who: str, case_id: str, task_type: str) -> dict[str, Any]:
        response = await self.client.get("/tasks", headers=self.headers(who))
        assert response.status_code == 200, response.text
        for task in response.json():
            if task["case_id"] == case_id and task["task_type"] == task_type:
                return dict(task)
        inbox = [(t["case_id"], t["task_type"]) for t in response.json()]
        raise AssertionError(f"{who} has no {task_type} task in {case_id}; inbox: {inbox}")

    async def complete(
        self, who: str, case_id: str, task_type: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        task = await self.task(who, case_id, task_type)
        response = await self.client.post(
            f"/tasks/{task['task_id']}/complete", json=payload, headers=self.headers(who)
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def case(self, who: str, case_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/cases/{case_id}", headers=self.headers(who))
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def through_intake(self, case_id: str) -> None:
        await self.complete(
            "coid_adviseur",
            case_id,
            "ontvangstbevestiging",
            {"verzonden_op": "2026-11-30", "kanaal": "email"},
        )
        await self.complete(
            "coid_adviseur", case_id, "intake_contact", {"samenvatting": "Melder gesproken."}
        )

    async def into_onderzoek(self, case_id: str) -> None:
        """Intake, keuze, positive weging, beschikking and its review: the investigation starts."""
        await self.through_intake(case_id)
        keuze = {"keuze": "onderzoek_overwogen", "motivering": "Ernstig."}
        await self.complete("commandant", case_id, "keuze_afhandeling", keuze)
        weging = {"advies": "onderzoek", "motivering": "Concreet."}
        await self.complete("coid_adviseur", case_id, "weging", weging)
        await self.complete("commandant", case_id, "besluit_instelling", BESCHIKKING)
        await self.complete("jurist", case_id, "review_beschikking", {"akkoord": True})
