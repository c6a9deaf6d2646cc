"""The pages against the real workflow: each role sees and does what the API lets it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from tests.api.conftest import MELDING, headers, http  # noqa: F401  (headers: a fixture)
from tests.api.helpers import Users

CONTACT = MELDING["melder_contact"]
FORM = {**MELDING, "betrokkenen": "BTR-1"}


async def register(browsers: Any, key: str = "k1") -> str:
    commandant = await browsers("commandant")
    await commandant.get("/app/meldingen/nieuw")
    response = await commandant.post("/app/meldingen/nieuw", {**FORM, "sleutel": key})
    assert response.status_code == 303, response.text
    match = re.match(r"/app/zaken/([^?]+)\?", response.headers["location"])
    assert match, response.headers["location"]
    return match[1]


def task_id(page: str, case_id: str, label: str) -> str:
    match = re.search(rf'href="/app/taken/({re.escape(case_id)}-T\d+)">{re.escape(label)}<', page)
    assert match, f"no task '{label}' of {case_id} on the page"
    return match[1]


async def test_a_melding_registered_in_the_form_opens_a_case(browsers: Any) -> None:
    case_id = await register(browsers)
    commandant = await browsers("commandant")
    page = await commandant.get(f"/app/zaken/{case_id}")
    assert page.status_code == 200
    assert '<svg class="levensloop"' in page.text and "Nu: Intake" in page.text
    assert "Ontvangstbevestiging aan de melder" in page.text  # a running clock
    assert "Wbk" in page.text or "assumed" in page.text  # its legal basis
    assert CONTACT not in page.text  # need-to-know: the melder's identity is the COID's
    assert "Contactgegevens melder" in page.text  # named among the hidden fields
    assert "Open taken voor u" not in page.text  # the intake is the COID's work
    adviser = await browsers("coid_adviseur")
    own = await adviser.get(f"/app/zaken/{case_id}")
    assert CONTACT in own.text
    assert "Open taken voor u" in own.text  # the intake tasks, each with its form inline
    ids = set(re.findall(r'id="(t\d)-veld-(?:verzonden_op|samenvatting)"', own.text))
    assert ids == {"t1", "t2"}  # two forms, ids kept apart


async def test_the_same_melding_submitted_twice_is_one_case(browsers: Any) -> None:
    commandant = await browsers("commandant")
    await commandant.get("/app/meldingen/nieuw")
    first = await commandant.post("/app/meldingen/nieuw", {**FORM, "sleutel": "dubbel"})
    again = await commandant.post("/app/meldingen/nieuw", {**FORM, "sleutel": "dubbel"})
    assert first.headers["location"] == again.headers["location"]


async def test_an_invalid_melding_shows_the_messages_by_field(browsers: Any) -> None:
    commandant = await browsers("commandant")
    await commandant.get("/app/meldingen/nieuw")
    bad = {**FORM, "description": "", "betrokkenen": "Jan de Vries"}
    page = await commandant.post("/app/meldingen/nieuw", bad)
    assert page.status_code == 422
    assert 'id="m-description-fout"' in page.text
    assert "not a pseudonymous reference" in page.text


async def test_task_form_shows_the_workflows_messages_then_completes(browsers: Any) -> None:
    case_id = await register(browsers)
    adviser = await browsers("coid_adviseur")
    inbox = await adviser.get("/app/taken")
    task = task_id(inbox.text, case_id, "Ontvangstbevestiging aan de melder")
    form = await adviser.get(f"/app/taken/{task}")
    assert 'type="date"' in form.text and 'name="kanaal"' in form.text
    refused = await adviser.post(f"/app/taken/{task}", {"kanaal": "duif"})
    assert refused.status_code == 422
    assert 'id="veld-verzonden_op-fout"' in refused.text  # required, next to its field
    assert "Field required" in refused.text
    assert "Input should be" in refused.text  # the kanaal literal's message
    done = await adviser.post(
        f"/app/taken/{task}", {"verzonden_op": "2026-11-30", "kanaal": "email"}
    )
    assert done.status_code == 303
    case_page = await adviser.get(done.headers["location"])
    assert "De taak is afgerond." in case_page.text
    assert "ontvangstbevestiging" in case_page.text  # in the timeline
    assert "verzonden op: 2026-11-30" in case_page.text  # the adviser reads what was recorded
    commandant = await browsers("commandant")
    theirs = await commandant.get(f"/app/zaken/{case_id}")
    assert "[need-to-know]" in theirs.text  # redacted as GET /cases/{id}/timeline redacts it
    assert "2026-11-30" not in theirs.text


async def test_inbox_filters_and_claiming(browsers: Any) -> None:
    case_id = await register(browsers)
    adviser = await browsers("coid_adviseur")
    page = await adviser.get("/app/taken?fase=intake")
    task = task_id(page.text, case_id, "Ontvangstbevestiging aan de melder")
    assert case_id not in (await adviser.get("/app/taken?fase=weging")).text
    assert case_id not in (await adviser.get("/app/taken?te_laat=1")).text
    assert case_id not in (await adviser.get("/app/taken?eenheid=CLAS/13LMB")).text
    assert case_id in (await adviser.get("/app/taken?eenheid=CLAS")).text
    assert case_id not in (await adviser.get("/app/taken?binnen=0")).text
    assert case_id in (await adviser.get("/app/taken?binnen=60")).text
    assert case_id not in (await adviser.get("/app/taken?alleen_mijn=1")).text
    assert f'action="/app/taken/{task}/oppakken"' in page.text
    assert f'action="/app/taken/{task}/vrijgeven"' not in page.text  # nobody has it yet
    claimed = await adviser.post(f"/app/taken/{task}/oppakken", {"terug": "/app/taken"})
    assert "U hebt de taak opgepakt" in unquote(claimed.headers["location"])
    mine = await adviser.get("/app/taken?alleen_mijn=1")
    assert task in mine.text and "opgepakt door u (Mr. A. Jansen)" in mine.text
    assert f'action="/app/taken/{task}/oppakken"' not in mine.text
    assert f'action="/app/taken/{task}/vrijgeven"' in mine.text
    again = await adviser.post(f"/app/taken/{task}/oppakken", {"terug": "/app/taken"})
    assert "Niet opgepakt: " in unquote(again.headers["location"])
    assert "already yours" in unquote(again.headers["location"])
    released = await adviser.post(f"/app/taken/{task}/vrijgeven", {"terug": "/app/taken"})
    assert "De taak is vrijgegeven" in unquote(released.headers["location"])
    assert task not in (await adviser.get("/app/taken?alleen_mijn=1")).text
    stale = await adviser.post(f"/app/taken/{task}/vrijgeven", {"terug": "/app/taken"})
    assert "Niet vrijgegeven: " in unquote(stale.headers["location"])


async def test_inbox_pages_through_the_apis_keyset_query(browsers: Any, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Three cases' intake tasks at two a page: Volgende walks the inbox in the order of one long
    page, each task once; Vorige comes back to the page before."""
    from api.web import routes_tasks

    cases = [await register(browsers, key=f"k{n}") for n in range(3)]
    adviser = await browsers("coid_adviseur")
    ids = re.compile(r'href="/app/taken/([A-Z]{2}-\d{4}-\d+-T\d+)">')
    whole = ids.findall((await adviser.get("/app/taken")).text)
    assert {t.rsplit("-T", 1)[0] for t in whole} == set(cases)

    monkeypatch.setattr(routes_tasks, "PAGE_SIZE", 2)
    pages = [await adviser.get("/app/taken")]
    while following := re.search(r'<a href="([^"]+)" rel="next">', pages[-1].text):
        pages.append(await adviser.get(following[1].replace("&amp;", "&")))
        assert len(pages) <= len(whole)
    walked = [t for page in pages for t in ids.findall(page.text)]
    assert walked == whole and len(pages) == -(-len(whole) // 2)
    assert "Pagina 2" in pages[1].text and "Taken 3–4" in pages[1].text
    back = re.search(r'<a href="([^"]+)" rel="prev">', pages[2].text)
    assert back
    assert ids.findall((await adviser.get(back[1].replace("&amp;", "&"))).text) == whole[2:4]
    bad = await adviser.get("/app/taken?na=onzin")
    assert bad.status_code == 200 and "u ziet de eerste pagina" in bad.text
    assert ids.findall(bad.text) == whole[:2]


async def test_reassign_only_to_a_person_holding_the_role(browsers: Any) -> None:
    case_id = await register(browsers)
    commandant = await browsers("commandant")
    adviser = await browsers("coid_adviseur")
    task = task_id((await adviser.get("/app/taken")).text, case_id, "Intakecontact met de melder")
    page = await commandant.get(f"/app/taken/{task}")
    assert "Mr. A. Jansen" in page.text  # holds coid_adviseur for CLAS
    assert "Kapitein Bakker" not in page.text  # an onderzoeker is no candidate
    refused = await commandant.post(
        f"/app/taken/{task}/overdragen", {"persoon": "ond-1", "reden": "x"}
    )
    assert "Niet overgedragen" in unquote(refused.headers["location"])
    ok = await commandant.post(
        f"/app/taken/{task}/overdragen", {"persoon": "coid-1", "reden": "Verlof"}
    )
    assert "overgedragen" in unquote(ok.headers["location"]) and "Niet" not in unquote(
        ok.headers["location"]
    )


async def test_extend_moves_the_deadline(browsers: Any) -> None:
    case_id = await register(browsers)
    adviser = await browsers("coid_adviseur")
    task = task_id((await adviser.get("/app/taken")).text, case_id, "Intakecontact met de melder")
    response = await adviser.post(
        f"/app/taken/{task}/verlengen", {"nieuwe_datum": "2099-01-15", "reden": "Melder op missie"}
    )
    page = await adviser.get(response.headers["location"])
    assert "verlengd" in page.text


async def test_deadlines_by_week_and_the_calendar_feed(browsers: Any) -> None:
    case_id = await register(browsers)
    adviser = await browsers("coid_adviseur")
    page = await adviser.get("/app/termijnen")
    assert "Week " in page.text and case_id in page.text
    feed = re.search(r'href="http://sg989(/app/termijnen\.ics\?sleutel=[^"]+)"', page.text)
    assert feed
    stranger = await browsers()
    ics = await stranger.get(feed[1].replace("&amp;", "&"))
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in ics.text and case_id in ics.text
    assert CONTACT not in ics.text
    assert (await stranger.get("/app/termijnen.ics?sleutel=vals")).status_code == 401


async def test_deadlines_show_every_clock_of_the_cases_one_may_read(browsers: Any) -> None:
    """The commandant has no task in the intake, yet sees its clocks: Termijnen covers every
    running clock of the case, as the Zaak page does; who may not read the case sees none."""
    case_id = await register(browsers)
    commandant = await browsers("commandant")
    inbox = await commandant.get("/app/taken")
    assert case_id not in inbox.text  # no task of the commandant's yet
    page = await commandant.get("/app/termijnen")
    assert case_id in page.text and "Ontvangstbevestiging aan de melder" in page.text
    assert "COID-adviseur" in page.text  # whose clock it is
    feed = re.search(r'href="http://sg989(/app/termijnen\.ics\?sleutel=[^"]+)"', page.text)
    assert feed
    ics = await commandant.get(feed[1].replace("&amp;", "&"))
    assert f"app/zaken/{case_id}" in ics.text.replace("\r\n ", "")
    for who in ("outsider", "nazorg", "onderzoeker"):  # outside scope, or no part in the case
        other = await browsers(who)
        assert case_id not in (await other.get("/app/termijnen")).text, who


async def test_audit_shows_verdicts_and_timelines_without_names(browsers: Any) -> None:
    case_id = await register(browsers)
    auditor = await browsers("auditor")
    overview = await auditor.get("/app/audit")
    assert case_id in overview.text and "intact" in overview.text
    page = await auditor.get(f"/app/audit/{case_id}")
    assert page.status_code == 200
    assert "melding geregistreerd" in page.text or "zaak" in page.text
    assert "Kolonel De Vries" not in page.text.split("</header>", 1)[1]  # no names
    assert CONTACT not in page.text
    assert "Toegangslog" in page.text and "aud-1" in page.text  # its own reads are logged too
    commandant = await browsers("commandant")
    assert (await commandant.get("/app/audit")).status_code == 403


async def test_reports_pages(browsers: Any) -> None:
    auditor = await browsers("auditor")
    page = await auditor.get("/app/rapportage?jaar=2026&do=CLAS&grafieken=0")
    assert page.status_code == 200 and "Jaaroverzicht integriteit 2026" in page.text
    quarter = await auditor.get("/app/rapportage/kwartaal?kwartaal=2026Q4")
    assert quarter.status_code == 200 and "2026Q4" in quarter.text
    wrong = await auditor.get("/app/rapportage/kwartaal?kwartaal=2026Q7")
    assert wrong.status_code == 422
    onderzoeker = await browsers("onderzoeker")
    for path in ("/app/rapportage", "/app/rapportage/kwartaal"):
        refused = await onderzoeker.get(path)
        assert refused.status_code == 403 and "Rapportage is voor de auditor" in refused.text


async def test_a_case_outside_scope_is_not_found(browsers: Any) -> None:
    case_id = await register(browsers)
    outsider = await browsers("outsider")
    page = await outsider.get(f"/app/zaken/{case_id}")
    assert page.status_code == 404 and "Niet gevonden" in page.text


async def test_an_onderzoeker_sees_the_clocks_of_the_case_they_investigate(
    browsers: Any,
    web_app: Any,
    headers: Any,  # noqa: F811
) -> None:
    """Roles brought in for one step read a case through their task in it, on Termijnen too."""
    async with http(web_app) as api:
        users = Users(api, headers)
        case_id = await users.register()
        await users.into_onderzoek(case_id)
    onderzoeker = await browsers("onderzoeker")
    page = await onderzoeker.get("/app/termijnen")
    assert case_id in page.text and "Onderzoek: concept-rapport" in page.text
    hac = await browsers("hac")  # no task of theirs in the case (yet)
    assert case_id not in (await hac.get("/app/termijnen")).text


async def test_a_linked_party_sees_no_clock_of_the_case(
    browsers: Any,
    web_app: Any,
    headers: Any,  # noqa: F811
) -> None:
    """The jurist reads every case in scope, but not one they are a party to: no clock of it."""
    async with http(web_app) as api:
        users = Users(api, headers)
        case_id = await users.register()
        await users.through_intake(case_id)
        jurist = await browsers("jurist")
        assert case_id in (await jurist.get("/app/termijnen")).text
        link = {"sub": "jur-1", "party": "betrokkene", "reason": "De jurist is zelf betrokkene."}
        linked = await api.post(
            f"/cases/{case_id}/belangenconflict", json=link, headers=headers("coid_adviseur")
        )
        assert linked.status_code == 200, linked.text
    assert case_id not in (await jurist.get("/app/termijnen")).text


async def test_the_case_page_logs_each_read_of_the_melders_contact(browsers: Any) -> None:
    case_id = await register(browsers)
    await (await browsers("commandant")).get(f"/app/zaken/{case_id}")  # no contact shown
    await (await browsers("coid_adviseur")).get(f"/app/zaken/{case_id}")  # the contact shown
    log = (await (await browsers("auditor")).get(f"/app/audit/{case_id}")).text
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>[^<]*</td><td>([^<]*)</td></tr>", log)
    contact_reads = [sub for sub, action in rows if action == "read_contact"]
    assert contact_reads and all(sub.startswith("coid") for sub in contact_reads)
