"""Measures follow from the path, per betrokkene (issue 7 item 1; domain reference 2 and 5).

Every refusal goes through the real Update path and leaves the history untouched.
"""

from __future__ import annotations

from typing import Any

from domain.phases import TaskType
from domain.requests import CompleteTask
from domain.roles import Role
from tests.workflows.driver import COID, COMMANDANT, HAC, JURIST, CaseDriver, actor
from tests.workflows.test_paths import drive_investigation
from tests.workflows.test_rejections import rejected, update_events
from workflows.case import CaseWorkflow


def besluit(*maatregelen: str) -> dict[str, Any]:
    return {"maatregelen": list(maatregelen), "motivering": "Besluit."}


async def refuse_besluit(
    case: CaseDriver, maatregelen: list[str], betrokkene: str | None = None, by=COMMANDANT
) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Try a besluit afdoening; assert it was refused without a trace; return kind and why."""
    task = await case.open_task(TaskType.besluit_afdoening, betrokkene)
    before = await update_events(case)
    request = CompleteTask(actor=by, task_id=task.task_id, payload=besluit(*maatregelen))
    kind, message = await rejected(case, CaseWorkflow.complete_task, request)
    assert await update_events(case) == before  # nothing entered history
    return kind, message


async def to_voornemen(case: CaseDriver, schending: bool = True) -> None:
    await drive_investigation(case)
    await case.complete(
        TaskType.schending_beoordeling,
        COMMANDANT,
        {"schending": {"BTR-1": schending}, "motivering": "Beoordeeld."},
    )


async def test_formal_measure_after_afdoen_in_de_lijn_is_refused(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("lijn")
    kind, message = await refuse_besluit(case, ["ontslag"])
    assert kind == "conflict"
    assert "ontslag cannot be decided for BTR-1: the case was handled in de lijn" in message
    assert "waarschuwingsbrief" in message  # says what is open instead
    await case.complete(TaskType.besluit_afdoening, COMMANDANT, besluit("waarschuwingsbrief"))


async def test_negative_weging_leaves_only_informal_outcomes(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await case.intake()
    await case.choose("onderzoek_overwogen")
    await case.complete(
        TaskType.weging, COID, {"advies": "geen_onderzoek", "motivering": "Te vaag."}
    )
    kind, message = await refuse_besluit(case, ["berisping", "leerafspraak"])
    assert kind == "conflict" and "the weging advised against an investigation" in message
    await case.complete(TaskType.besluit_afdoening, COMMANDANT, besluit("kennisgeving"))


async def test_schending_nee_leads_to_an_afloopbericht_and_nothing_heavier(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await to_voornemen(case, schending=False)
    kind, message = await refuse_besluit(case, ["waarschuwingsbrief"])
    assert kind == "conflict" and "no schending was established for BTR-1" in message
    await case.complete(TaskType.besluit_afdoening, COMMANDANT, besluit("afloopbericht"))


async def test_heavier_measure_than_the_voornemen_needs_a_new_voornemen(
    time_worker, policy, task_queue
) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await to_voornemen(case)
    await case.complete(
        TaskType.voornemen, JURIST, {"maatregelen": ["berisping"], "motivering": "m"}
    )
    await case.complete(TaskType.zienswijze_voornemen, JURIST, {"ontvangen": True})
    state = await case.state()
    assert not [t for t in state.tasks.values() if t.task_type == TaskType.hac_advies]  # CLAS
    kind, message = await refuse_besluit(case, ["ontslag"])
    assert kind == "conflict" and "needs a voornemen naming it or a heavier measure" in message
    # A lighter measure than the voornemen is open: the zienswijze covered the heavier one.
    await case.complete(TaskType.besluit_afdoening, COMMANDANT, besluit("ambtsbericht"))


async def test_at_czsk_every_formal_measure_goes_to_the_hac(
    time_worker, policy, task_queue
) -> None:
    """JID-2021: "Een maatregel wordt afgedaan middels een advies van de HAC" (CZSK)."""
    czsk = {r: actor(r, units=["CZSK"]) for r in Role}
    case = await CaseDriver.start(time_worker.client, policy, task_queue, unit="CZSK/FREGAT")
    await case.complete(
        TaskType.ontvangstbevestiging,
        czsk[Role.coid_adviseur],
        {"verzonden_op": "2026-11-30", "kanaal": "email"},
    )
    await case.complete(TaskType.intake_contact, czsk[Role.coid_adviseur], {"samenvatting": "s"})
    await case.complete(
        TaskType.keuze_afhandeling,
        czsk[Role.commandant],
        {"keuze": "onderzoek_overwogen", "motivering": "m"},
    )
    await case.complete(
        TaskType.weging, czsk[Role.coid_adviseur], {"advies": "onderzoek", "motivering": "m"}
    )
    await case.complete(
        TaskType.besluit_instelling,
        czsk[Role.commandant],
        {
            "besluit": "instellen",
            "onderzoeksopdracht": "o",
            "onderzoekers": ["ond-1"],
            "betrokkenen": ["BTR-1"],
        },
    )
    await case.complete(TaskType.review_beschikking, czsk[Role.jurist], {"akkoord": True})
    rapport = {"document_ref": "D", "samenvatting": "s"}
    ond = actor(Role.onderzoeker, sub="ond-1", units=["CZSK"])
    await case.complete(TaskType.concept_rapport, ond, rapport)
    await case.complete(TaskType.zienswijze_concept, ond, {"ontvangen": False})
    await case.complete(TaskType.eindrapport, ond, rapport)
    await case.complete(
        TaskType.schending_beoordeling,
        czsk[Role.commandant],
        {"schending": {"BTR-1": True}, "motivering": "m"},
    )
    await case.complete(
        TaskType.voornemen, czsk[Role.jurist], {"maatregelen": ["berisping"], "motivering": "m"}
    )
    await case.complete(TaskType.zienswijze_voornemen, czsk[Role.jurist], {"ontvangen": False})
    hac = await case.open_task(TaskType.hac_advies, "BTR-1")  # berisping: HAC at CZSK
    assert hac.betrokkene == "BTR-1"
    await case.complete(TaskType.hac_advies, czsk[Role.hac], {"advies": "Evenredig."})
    await case.complete(TaskType.besluit_afdoening, czsk[Role.commandant], besluit("berisping"))


async def test_a_measure_always_names_a_betrokkene(time_worker, policy, task_queue) -> None:
    case = await CaseDriver.start(time_worker.client, policy, task_queue, betrokkenen=[])
    await case.intake()
    await case.choose("lijn")
    kind, message = await refuse_besluit(case, ["waarschuwingsbrief"])
    assert kind == "invalid" and "a measure always names a betrokkene" in message
    await case.complete(TaskType.besluit_afdoening, COMMANDANT, besluit("geen_maatregel"))


async def test_no_bezwaartermijn_opens_for_geen_maatregel(time_worker, policy, task_queue) -> None:
    case = await CaseDriver.start(
        time_worker.client, policy, task_queue, betrokkenen=["BTR-1", "BTR-2"]
    )
    await case.intake()
    await case.choose("lijn")
    await case.complete(
        TaskType.besluit_afdoening, COMMANDANT, besluit("waarschuwingsbrief"), "BTR-1"
    )
    await case.complete(TaskType.besluit_afdoening, COMMANDANT, besluit("geen_maatregel"), "BTR-2")
    state = await case.state()
    termijnen = [t.betrokkene for t in state.open_tasks() if t.task_type == TaskType.bezwaartermijn]
    assert termijnen == ["BTR-1"]


async def test_hac_advice_is_required_where_policy_says(time_worker, policy, task_queue) -> None:
    """The rule itself, on a real case state: a formal HAC measure without the advice."""
    import pytest

    from domain.errors import CaseRuleViolation
    from domain.measures import Measure
    from domain.rules.afdoening import check_formal_procedure

    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await to_voornemen(case)
    await case.complete(TaskType.voornemen, JURIST, {"maatregelen": ["ontslag"], "motivering": "m"})
    await case.complete(TaskType.zienswijze_voornemen, JURIST, {"ontvangen": False})
    state = await case.state()
    with pytest.raises(CaseRuleViolation, match="needs the advice of the HAC first"):
        check_formal_procedure(state, "BTR-1", Measure.ontslag, state.registered_at)
    await case.complete(TaskType.hac_advies, HAC, {"advies": "Evenredig."})
    check_formal_procedure(await case.state(), "BTR-1", Measure.ontslag, state.registered_at)


async def test_a_heavier_measure_goes_through_a_new_voornemen(
    time_worker, policy, task_queue
) -> None:
    from domain.requests import NewVoornemen

    case = await CaseDriver.start(time_worker.client, policy, task_queue)
    await to_voornemen(case)
    await case.complete(
        TaskType.voornemen, JURIST, {"maatregelen": ["berisping"], "motivering": "m"}
    )
    await case.complete(TaskType.zienswijze_voornemen, JURIST, {"ontvangen": True})
    request = NewVoornemen(actor=COMMANDANT, betrokkene="BTR-1", reason="Ernstiger dan gedacht.")
    kind, _ = await rejected(
        case, CaseWorkflow.new_voornemen, request.model_copy(update={"actor": JURIST})
    )
    assert kind == "forbidden"
    await case.handle.execute_update(CaseWorkflow.new_voornemen, request)
    kind, message = await rejected(case, CaseWorkflow.new_voornemen, request)
    assert kind == "conflict" and "already under way" in message
    await case.complete(TaskType.voornemen, JURIST, {"maatregelen": ["ontslag"], "motivering": "m"})
    kind, message = await refuse_besluit(case, ["ontslag"])  # zienswijze on it still open
    assert kind == "conflict" and "zienswijze" in message
    await case.complete(TaskType.zienswijze_voornemen, JURIST, {"ontvangen": False})
    kind, message = await refuse_besluit(case, ["ontslag"])  # a legal-status measure: HAC
    assert kind == "conflict" and "HAC" in message
    await case.complete(TaskType.hac_advies, HAC, {"advies": "Evenredig."})
    await case.complete(TaskType.besluit_afdoening, COMMANDANT, besluit("ontslag"))
    assert (await case.state()).betrokkenen["BTR-1"].maatregelen == ["ontslag"]
