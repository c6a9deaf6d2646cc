"""A whole case driven through HTTP, each step by a token of the role that owns it."""

from __future__ import annotations

from sqlmodel import Session, select

from store.models import AccessLog
from tests.api.helpers import Users

RAPPORT = {"document_ref": "DOC-1", "samenvatting": "Bevindingen."}


async def test_melding_to_closed_case_through_every_role(api, headers, engine) -> None:
    users = Users(api, headers)
    case_id = await users.register()
    await users.into_onderzoek(case_id)
    assert (await users.case("onderzoeker", case_id))["phase"] == "onderzoek"
    await users.complete("onderzoeker", case_id, "concept_rapport", RAPPORT)
    await users.complete(
        "onderzoeker", case_id, "zienswijze_concept", {"ontvangen": True, "samenvatting": "x"}
    )
    await users.complete("onderzoeker", case_id, "eindrapport", RAPPORT)
    await users.complete(
        "commandant",
        case_id,
        "schending_beoordeling",
        {"schending": {"BTR-1": True}, "motivering": "Vastgesteld."},
    )
    await users.complete(
        "jurist", case_id, "voornemen", {"maatregelen": ["ontslag"], "motivering": "Ernstig."}
    )
    await users.complete("jurist", case_id, "zienswijze_voornemen", {"ontvangen": False})
    await users.complete("hac", case_id, "hac_advies", {"advies": "Ontslag is evenredig."})
    await users.complete(
        "commandant",
        case_id,
        "besluit_afdoening",
        {"maatregelen": ["ontslag"], "motivering": "Besluit."},
    )
    await users.complete(
        "commandant",
        case_id,
        "nazorg_afspraak",
        {
            "plan": "Gesprekken",
            "aanbieder": "bmw",
            "doelgroepen": ["melder", "team"],
            "nazorg_medewerkers": ["naz-1"],
        },
    )
    in_bezwaar = await users.case("commandant", case_id)
    assert in_bezwaar["phase"] == "bezwaar"
    assert in_bezwaar["betrokkenen"][0]["maatregelen"] == ["ontslag"]
    assert sorted(t["task_type"] for t in in_bezwaar["open_tasks"]) == [
        "bezwaartermijn",
        "nazorg_checkin",  # the check-ins run from the besluit, whatever bezwaar does
        "nazorg_checkin",
        "terugkoppeling_melder",
    ]

    # The betrokkene objects; the jurist decides, nazorg reports twice, the COID informs the melder.
    await users.complete("jurist", case_id, "bezwaartermijn", {"ontvangen_op": "2026-12-01"})
    await users.complete(
        "jurist",
        case_id,
        "beslissing_op_bezwaar",
        {"uitkomst": "ongegrond", "motivering": "Geen nieuwe feiten."},
    )
    for _ in range(2):
        await users.complete("nazorg", case_id, "nazorg_checkin", {"verslag": "Goed gesprek."})
    for verslag in ("Melder geïnformeerd.", "Uitkomst gemeld."):  # and at closure
        await users.complete(
            "coid_adviseur", case_id, "terugkoppeling_melder", {"verslag": verslag}
        )

    closed = await users.case("auditor", case_id)
    assert (closed["status"], closed["phase"], closed["outcome"]) == (
        "gesloten",
        "gesloten",
        "afgedaan",
    )
    assert closed["open_tasks"] == []
    verify = await api.get(f"/cases/{case_id}/timeline/verify", headers=headers("auditor"))
    assert verify.json()["ok"] is True and verify.json()["events"] > 20
    with Session(engine) as session:
        readers = set(
            session.exec(select(AccessLog.role).where(AccessLog.case_id == case_id)).all()
        )
    assert {"commandant", "onderzoeker", "auditor"} <= readers
