"""`sg989 demo`: one case through the full path with an investigation, as its users would."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowHandle

from domain.case import Actor, CaseState, Melding
from domain.categories import Category, Channel, MelderType
from domain.phases import TaskType
from domain.requests import CompleteTask, RecordSchorsing
from domain.roles import Role
from sg989.cases import reserve_case_number, start_case
from sg989.policy_files import load_policy
from store.melding import save_melding_text
from workflows.case import CaseWorkflow


def _actor(role: Role, sub: str, name: str, units: list[str]) -> Actor:
    return Actor(sub=sub, name=name, roles=[role], units=units)


COMMANDANT = _actor(Role.commandant, "cdt-11lmb", "Kolonel De Vries", ["CLAS/11LMB"])
COID = _actor(Role.coid_adviseur, "coid-clas", "Adviseur Jansen", ["CLAS"])
ONDERZOEKER = _actor(Role.onderzoeker, "ond-1", "Onderzoeker Bakker", ["CLAS"])
JURIST = _actor(Role.jurist, "jz-clas", "Jurist Visser", ["CLAS"])
HAC = _actor(Role.hac, "hac-1", "Secretaris HAC", ["CLAS"])
NAZORG = _actor(Role.nazorg, "bmw-1", "BMW'er Smit", ["CLAS"])
RAPPORT = {"document_ref": "DOC-demo", "samenvatting": "Verklaringen van vijf getuigen."}

# (task type, who completes it, payload) in lifecycle order.
SCRIPT: list[tuple[TaskType, Actor, dict[str, Any]]] = [
    (TaskType.ontvangstbevestiging, COID, {"verzonden_op": "2026-11-30", "kanaal": "email"}),
    (TaskType.intake_contact, COID, {"samenvatting": "Melder telefonisch gesproken."}),
    (
        TaskType.keuze_afhandeling,
        COMMANDANT,
        {"keuze": "onderzoek_overwogen", "motivering": "Ernstig."},
    ),
    (TaskType.weging, COID, {"advies": "onderzoek", "motivering": "Vermoeden is concreet."}),
    (
        TaskType.besluit_instelling,
        COMMANDANT,
        {
            "besluit": "instellen",
            "onderzoeksopdracht": "Stel de feiten vast rond de melding van oktober.",
            "onderzoekers": ["ond-1"],
            "termijn_weken": 12,
            "betrokkenen": ["BTR-A"],
        },
    ),
    (TaskType.review_beschikking, JURIST, {"akkoord": True}),
    (TaskType.concept_rapport, ONDERZOEKER, RAPPORT),
    (
        TaskType.zienswijze_concept,
        ONDERZOEKER,
        {"ontvangen": True, "samenvatting": "Betwist feit 2."},
    ),
    (TaskType.eindrapport, ONDERZOEKER, RAPPORT),
    (
        TaskType.schending_beoordeling,
        COMMANDANT,
        {"schending": {"BTR-A": True}, "motivering": "Bewezen."},
    ),
    (
        TaskType.voornemen,
        JURIST,
        {"maatregelen": ["verplaatsing", "ambtsbericht"], "motivering": "m"},
    ),
    (
        TaskType.zienswijze_voornemen,
        JURIST,
        {"ontvangen": True, "samenvatting": "Vraagt mildheid."},
    ),
    (TaskType.hac_advies, HAC, {"advies": "Verplaatsing is evenredig."}),
    (
        TaskType.besluit_afdoening,
        COMMANDANT,
        {"maatregelen": ["verplaatsing", "ambtsbericht"], "motivering": "m"},
    ),
    (
        TaskType.nazorg_afspraak,
        COMMANDANT,
        {
            "plan": "Teamsessie",
            "aanbieder": "bmw",
            "doelgroepen": ["team", "melder"],
            "nazorg_medewerkers": ["bmw-1"],
        },
    ),
    (TaskType.bezwaartermijn, JURIST, {"ontvangen_op": "2026-12-10"}),
    (
        TaskType.beslissing_op_bezwaar,
        JURIST,
        {"uitkomst": "ongegrond", "motivering": "Besluit blijft."},
    ),
    (TaskType.nazorg_checkin, NAZORG, {"verslag": "Team pakt het op."}),
    (TaskType.nazorg_checkin, NAZORG, {"verslag": "Afgerond."}),
    # A case does not close while a betrokkene is geschorst: the BG lifts it first.
    (TaskType.schorsing_review, COMMANDANT, {"besluit": "opheffen", "motivering": "Afgedaan."}),
    (TaskType.terugkoppeling_melder, COID, {"verslag": "Melder geïnformeerd over de voortgang."}),
    # At closure the melder always hears the outcome (issue 7).
    (TaskType.terugkoppeling_melder, COID, {"verslag": "Melder geïnformeerd over de afloop."}),
]


async def _complete(
    handle: WorkflowHandle, task_type: TaskType, by: Actor, payload: dict[str, Any]
) -> None:
    state: CaseState = await handle.query(CaseWorkflow.state)
    task = next(t for t in state.open_tasks() if t.task_type == task_type)
    await handle.execute_update(
        CaseWorkflow.complete_task, CompleteTask(actor=by, task_id=task.task_id, payload=payload)
    )
    print(f"  {task.label:45} done by {by.acting_role or by.roles[0]}", flush=True)


async def run_demo(client: Client, engine: Engine, task_queue: str) -> str:
    case_id, _ = reserve_case_number(engine, requested_by=COMMANDANT.sub)
    melding = Melding(
        unit="CLAS/11LMB",
        category=Category.ongewenste_omgangsvormen,
        channel=Channel.webformulier,
        melder_type=MelderType.medewerker,
        melder_contact="melder@mindef.example",
        description="Herhaald kleineren van een collega tijdens oefening.",
        betrokkenen=["BTR-A"],
    )
    save_melding_text(engine, case_id=case_id, melding=melding)
    handle = await start_case(
        client,
        case_id=case_id,
        melding=melding,
        actor=COMMANDANT,
        policy=load_policy(),
        task_queue=task_queue,
    )
    print(f"Case {case_id} registered; driving it through the lifecycle:", flush=True)
    for step, (task_type, by, payload) in enumerate(SCRIPT):
        if step == 4:
            await handle.execute_update(
                CaseWorkflow.record_schorsing,
                RecordSchorsing(
                    actor=COMMANDANT, betrokkene="BTR-A", reason="Ernst van het vermoeden."
                ),
            )
            print("  schorsing recorded (review clock: 3 months)", flush=True)
        await _complete(handle, task_type, by, payload)
    await asyncio.wait_for(handle.result(), timeout=60)
    final = await handle.query(CaseWorkflow.state)
    print(f"Case {case_id} is {final.status} ({final.outcome}).\n", flush=True)
    return case_id
