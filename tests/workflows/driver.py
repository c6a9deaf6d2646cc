"""Drives a case through its workflow the way users do: by completing open tasks."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowHandle

from api.updates import new_update_id
from domain.case import Actor, CaseState, Melding, TaskState
from domain.phases import TaskType
from domain.policy import DeadlinePolicy
from domain.requests import CompleteTask, UpdateResult
from domain.roles import Role
from sg989.cases import start_case
from store.melding import save_melding_text
from workflows.case import CaseWorkflow

UNIT = "CLAS/11LMB"


def actor(role: Role, sub: str | None = None, units: list[str] | None = None) -> Actor:
    return Actor(
        sub=sub or f"{role.value}-1",
        name=f"Test {role.value}",
        roles=[role],
        units=units or ["CLAS"],
    )


COMMANDANT = actor(Role.commandant, units=["CLAS/11LMB"])
COID = actor(Role.coid_adviseur)
ONDERZOEKER = actor(Role.onderzoeker, sub="ond-1")
JURIST = actor(Role.jurist)
HAC = actor(Role.hac)
NAZORG = actor(Role.nazorg)


def melding(unit: str = UNIT, betrokkenen: list[str] | None = None, **extra: Any) -> Melding:
    fields: dict[str, Any] = {
        "unit": unit,
        "category": "ongewenste_omgangsvormen",
        "channel": "webformulier",
        "melder_type": "medewerker",
        "melder_contact": "melder@example.invalid",
        "description": "Herhaald kleineren van een collega tijdens oefening.",
        "betrokkenen": ["BTR-1"] if betrokkenen is None else betrokkenen,
    }
    fields.update(extra)
    return Melding(**fields)


class CaseDriver:
    def __init__(self, handle: WorkflowHandle) -> None:
        self.handle = handle

    @classmethod
    async def start(
        cls,
        client: Client,
        policy: DeadlinePolicy,
        task_queue: str,
        *,
        store: Engine | None = None,
        **melding_fields: Any,
    ) -> CaseDriver:
        """Start a case; with ``store``, its text and contact go there first, as registration
        does (the workflow itself never carries them)."""
        case_id = f"ZK-T-{uuid.uuid4().hex[:8]}"
        registered = melding(**melding_fields)
        if store is not None:
            save_melding_text(store, case_id=case_id, melding=registered)
        handle = await start_case(
            client,
            case_id=case_id,
            melding=registered,
            actor=COMMANDANT,
            policy=policy,
            task_queue=task_queue,
        )
        return cls(handle)

    @property
    def case_id(self) -> str:
        return self.handle.id

    async def state(self) -> CaseState:
        return await self.handle.query(CaseWorkflow.state)

    async def open_task(self, task_type: TaskType, betrokkene: str | None = None) -> TaskState:
        state = await self.state()
        for task in state.open_tasks():
            if task.task_type == task_type and (
                betrokkene is None or task.betrokkene == betrokkene
            ):
                return task
        open_now = [(t.task_type.value, t.betrokkene) for t in state.open_tasks()]
        raise AssertionError(
            f"no open {task_type.value} task; open: {open_now}, phase {state.phase}"
        )

    async def complete(
        self, task_type: TaskType, by: Actor, payload: dict[str, Any], betrokkene: str | None = None
    ) -> UpdateResult:
        task = await self.open_task(task_type, betrokkene)
        return await self.handle.execute_update(
            CaseWorkflow.complete_task,
            CompleteTask(actor=by, task_id=task.task_id, payload=payload),
            id=new_update_id(),  # as the API sends it
        )

    async def intake(self) -> None:
        await self.complete(
            TaskType.ontvangstbevestiging, COID, {"verzonden_op": "2026-11-30", "kanaal": "email"}
        )
        await self.complete(TaskType.intake_contact, COID, {"samenvatting": "Melder gesproken."})

    async def give_outcome(self, by: Actor = COID) -> UpdateResult:
        """The melder hears the outcome: on every path the last step before the case closes."""
        return await self.complete(
            TaskType.terugkoppeling_melder, by, {"verslag": "De melder kent de uitkomst."}
        )

    async def choose(self, keuze: str, **extra: Any) -> None:
        await self.complete(
            TaskType.keuze_afhandeling,
            COMMANDANT,
            {"keuze": keuze, "motivering": "Zie melding.", **extra},
        )
