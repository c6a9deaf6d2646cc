"""A full case, driven through the real workflow, delivers the expected messages to the
expected addresses and nothing else; none carries case content."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from activities.mail import MailConfig
from activities.notify import Dispatcher
from domain.phases import TaskType
from domain.roles import unit_in_scope
from sg989.mail_sink import MailSink
from store.models import OutboxNotification
from tests.notify.conftest import MELDER, PEOPLE
from tests.workflows.driver import COID, NAZORG, CaseDriver
from tests.workflows.test_paths import drive_to_afdoening, finish_afdoening

ONTVANGST = "Wij nemen binnen een week contact met u op."
TERUGKOPPELING = "Het onderzoek is afgerond; er zijn maatregelen genomen."
TASK_BODY = re.compile(
    r"^Er is een taak voor u in zaak (ZK-T-\w+)\.\n\nhttps://sg989\.example/cases/\1\n$"
)


class MelderCase(CaseDriver):
    async def intake(self) -> None:
        """As the driver's, with a message to the melder in the ontvangstbevestiging."""
        bevestiging = {"verzonden_op": "2026-11-30", "kanaal": "email"}
        await self.complete(
            TaskType.ontvangstbevestiging, COID, {**bevestiging, "bericht_aan_melder": ONTVANGST}
        )
        await self.complete(TaskType.intake_contact, COID, {"samenvatting": "Melder gesproken."})


def expected_counts(engine: Engine) -> tuple[Counter[str], Counter[str]]:
    """Per address: immediate messages, and reminders waiting for a digest (by hand, from the
    outbox rows and the directory of the test)."""
    now, digest = Counter[str](), Counter[str]()
    with Session(engine) as session:
        rows = session.exec(select(OutboxNotification)).all()
    for row in rows:
        if row.recipient_role == "melder":
            now[MELDER] += 1
            continue
        if row.recipient_role == "betrokkene":
            continue
        for sub, (email, roles, units, delivery, active) in PEOPLE.items():
            if not active or email is None:
                continue
            if row.recipient_sub:
                hit = sub == row.recipient_sub
            else:
                hit = row.recipient_role in roles and unit_in_scope(row.recipient_unit, units)
            if hit:
                waits = delivery == "digest" and row.kind == "herinnering"
                (digest if waits else now)[email] += 1
    return now, digest


async def test_a_full_case_reaches_exactly_the_right_people(
    time_worker, policy, task_queue, directory: Engine, sink: MailSink, mail_config: MailConfig
) -> None:
    case = await MelderCase.start(time_worker.client, policy, task_queue, store=directory)
    await drive_to_afdoening(case, ["ontslag"])
    await finish_afdoening(case, ["ontslag"])
    termijn = await case.open_task(TaskType.bezwaartermijn)
    await time_worker.sleep(termijn.due_at - await time_worker.get_current_time())
    await time_worker.sleep(60)  # the bezwaartermijn ends; reminders and escalations have fired
    for _ in range(2):
        await case.complete(TaskType.nazorg_checkin, NAZORG, {"verslag": "Goed gesprek."})
    await case.complete(
        TaskType.terugkoppeling_melder,
        COID,
        {"verslag": "Melder geïnformeerd.", "bericht_aan_melder": TERUGKOPPELING},
    )
    # At closure the melder always hears the outcome (issue 7): a second terugkoppeling.
    await case.complete(TaskType.terugkoppeling_melder, COID, {"verslag": "Uitkomst gemeld."})
    await case.handle.result()

    dispatcher = Dispatcher(directory, mail_config)
    while await dispatcher.once():
        pass
    immediate, waiting = expected_counts(directory)
    assert Counter(m.to[0] for m in sink.received) == immediate
    escalations = [m for m in sink.received if "Escalatie" in str(m.message["Subject"])]
    # nazorg escalates to the BG first, five working days later to the BG's superior
    assert escalations and escalations[0].to == ["cdt@example.org"]
    assert {m.to[0] for m in escalations} <= {"cdt@example.org", "hcdt@example.org"}
    assert "clsk@example.org" not in immediate and "old@example.org" not in immediate

    melder = [m for m in sink.received if m.to == [MELDER]]
    zaak = case.case_id
    assert [m.body for m in melder] == [
        f"Uw melding is ontvangen en geregistreerd onder zaaknummer {zaak}.\n\n{ONTVANGST}\n",
        f"Er is een terugkoppeling over uw melding, zaaknummer {zaak}.\n\n{TERUGKOPPELING}\n",
        f"Er is een terugkoppeling over uw melding, zaaknummer {zaak}.\n",
    ]
    for mail in sink.received:
        if mail.to != [MELDER]:
            match = TASK_BODY.match(mail.body)
            assert match and match.group(1) == case.case_id, mail.body
        text = mail.message.as_string()
        for secret in ("kleineren", "BTR-1", "ongewenste", "ontslag", "Melder gesproken"):
            assert secret not in text

    later = datetime.now(UTC) + timedelta(days=2)
    while await dispatcher.once(later):
        pass
    digests = [m for m in sink.received if "Dagelijks overzicht" in str(m.message["Subject"])]
    assert Counter(m.to[0] for m in digests) == Counter(set(waiting.elements()))
    assert len({m.message_id for m in sink.received}) == len(sink.received)  # nothing doubled
