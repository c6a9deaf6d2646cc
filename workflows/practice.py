"""Updates that cases need in practice: the protected party link, early nazorg, new
betrokkenen and getuigen, related meldingen. Each with a validator calling ``domain.rules``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.case import BetrokkeneState
    from domain.errors import CaseRuleViolation
    from domain.payloads import Voornemen
    from domain.phases import Phase, TaskType
    from domain.requests import (
        AddPerson,
        LinkMelding,
        LinkParty,
        NewVoornemen,
        StartNazorg,
        UpdateResult,
    )
    from domain.rules.access import payload_of
    from domain.rules.afdoening import check_new_voornemen
    from domain.rules.parties import check_link_party
    from domain.rules.practice import check_add_person, check_link_melding, check_start_nazorg

from workflows.lifecycle import Lifecycle
from workflows.runtime import CaseEnded


def validated(check: Callable[[], None]) -> None:
    """Turn a rule violation into a typed, non-retryable rejection: nothing enters history."""
    try:
        check()
    except CaseRuleViolation as exc:
        raise ApplicationError(exc.message, type=exc.kind.value, non_retryable=True) from None


class PracticeUpdates(Lifecycle):
    @workflow.update
    async def settle(self) -> UpdateResult:
        """Answers once the case runs and the store has all of it. Reopens before the ``reopen``
        Update sent this after starting the new run; their histories hold it, so it stays."""
        await workflow.wait_condition(lambda: self.s.status == "open")
        await self.settled()
        return self._result()

    def _result(self, task_id: str | None = None) -> UpdateResult:
        return UpdateResult(
            case_id=self.s.case_id,
            task_id=task_id,
            seq=self.s.seq,
            phase=self.s.phase,
            status=self.s.status,
        )

    @workflow.update
    async def link_party(self, req: LinkParty) -> UpdateResult:
        """Protected: the event names nobody; the link stays in the workflow state."""
        if req.sub not in self.s.linked_parties:
            self.s.linked_parties.append(req.sub)
        for task in self.s.open_tasks():
            if req.sub in task.assignees:
                task.assignees = [a for a in task.assignees if a != req.sub]
            if task.claimed_by == req.sub:
                task.claimed_by = None
        self.emit("belangenconflict_vastgelegd", actor=req.actor, details={})
        await self.settled()
        return self._result()

    @link_party.validator
    def _validate_link_party(self, req: LinkParty) -> None:
        validated(lambda: check_link_party(self.s, req))

    @workflow.update
    async def start_nazorg(self, req: StartNazorg) -> UpdateResult:
        self.emit("nazorg_geopend", actor=req.actor, details={"reden": req.reason})
        task = self.open_task(TaskType.nazorg_afspraak)
        await self.settled()
        return self._result(task.task_id)

    @start_nazorg.validator
    def _validate_start_nazorg(self, req: StartNazorg) -> None:
        validated(lambda: check_start_nazorg(self.s, req))

    @workflow.update
    async def add_person(self, req: AddPerson) -> UpdateResult:
        if req.as_role == "getuige":
            self.s.getuigen.append(req.ref)
        else:
            self.s.betrokkenen[req.ref] = BetrokkeneState(
                ref=req.ref, in_onderzoek=self.s.phase == Phase.onderzoek
            )
        self.emit(
            f"{req.as_role}_toegevoegd",
            actor=req.actor,
            details={"ref": req.ref, "reden": req.reason},
        )
        await self.settled()
        return self._result()

    @add_person.validator
    def _validate_add_person(self, req: AddPerson) -> None:
        validated(lambda: check_add_person(self.s, req))

    @workflow.update
    async def link_melding(self, req: LinkMelding) -> UpdateResult:
        self.s.related_cases.append(req.other_case_id)
        self.emit(
            "melding_gekoppeld",
            actor=req.actor,
            details={"zaak": req.other_case_id, "reden": req.reason},
        )
        await self.settled()
        return self._result()

    @link_melding.validator
    def _validate_link_melding(self, req: LinkMelding) -> None:
        validated(lambda: check_link_melding(self.s, req))

    @workflow.update
    async def new_voornemen(self, req: NewVoornemen) -> UpdateResult:
        self.emit(
            "nieuw_voornemen_gevraagd",
            actor=req.actor,
            details={"betrokkene": req.betrokkene, "reden": req.reason},
        )
        draft = self.open_task(TaskType.voornemen, betrokkene=req.betrokkene)
        asyncio.create_task(self._voornemen_procedure(req.betrokkene))
        await self.settled()
        return self._result(draft.task_id)

    @new_voornemen.validator
    def _validate_new_voornemen(self, req: NewVoornemen) -> None:
        validated(lambda: check_new_voornemen(self.s, req))

    async def _voornemen_procedure(self, ref: str) -> None:
        """Voornemen, the zienswijze on it, and HAC advice where the policy asks for it."""
        betrokkene = self.s.betrokkenen[ref]
        with contextlib.suppress(CaseEnded):  # the case was closed meanwhile
            draft = self.open_task(TaskType.voornemen, betrokkene=ref)
            await self.until_done(draft)
            betrokkene.voorgenomen = list(payload_of(draft, Voornemen).maatregelen)
            await self.until_done(self._open_zienswijze_voornemen(betrokkene))
            if self.s.policy.hac_measures_for(self.s.melding.unit) & set(betrokkene.voorgenomen):
                await self.until_done(self.open_task(TaskType.hac_advies, betrokkene=ref))
