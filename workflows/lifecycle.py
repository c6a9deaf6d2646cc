"""The SG-989 lifecycle (domain reference, section 2): one step per phase, one dispatcher."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.calendar import add_term
    from domain.case import BetrokkeneState, TaskState
    from domain.phases import Phase, TaskType
    from workflows.rules import is_negative_weging
    from workflows.runtime import CaseRuntime

Step = Callable[[], Awaitable[Phase]]


class Lifecycle(CaseRuntime):
    def steps(self) -> dict[Phase, Step]:
        return {
            Phase.intake: self.intake,
            Phase.keuze_afhandeling: self.keuze_afhandeling,
            Phase.weging: self.weging,
            Phase.instelling: self.instelling,
            Phase.onderzoek: self.onderzoek,
            Phase.beoordeling: self.beoordeling,
            Phase.voornemen: self.voornemen,
            Phase.afdoening: self.afdoening,
            Phase.bezwaar: self.bezwaar,
            Phase.nazorg: self.nazorg,
        }

    async def intake(self) -> Phase:
        melding = self.s.melding
        if melding.melder_type == "anoniem" and not melding.has_contact:
            self.emit("melder_onbereikbaar", details={"reden": "anonieme melder zonder contact"})
            return Phase.keuze_afhandeling
        bevestiging = self.open_task(TaskType.ontvangstbevestiging)
        contact = self.open_task(TaskType.intake_contact)
        await self.until_done(bevestiging)
        self.open_task(
            TaskType.terugkoppeling_melder,
            due_at=add_term(workflow.now(), 3, "months"),
        )
        await self.until_done(contact)
        return Phase.keuze_afhandeling

    async def keuze_afhandeling(self) -> Phase:
        task = self.open_task(TaskType.keuze_afhandeling)
        await self.until_done(task)
        keuze = self._payload(task)
        if keuze["keuze"] == "klacht":
            self.s.klacht_referentie = keuze["klacht_referentie"]
            self.close("doorverwezen_klacht", keuze["motivering"])
            return Phase.gesloten
        if keuze["keuze"] == "lijn":
            return Phase.afdoening
        if self.s.variant == "kmar":
            self.emit("geen_weging_kmar", details={"reden": "KMar: onderzoek onder de Politiewet"})
            return Phase.instelling
        return Phase.weging

    async def weging(self) -> Phase:
        task = self.open_task(TaskType.weging)
        await self.until_done(task)
        self.s.weging = self._payload(task)["advies"]
        return Phase.afdoening if is_negative_weging(self.s.weging) else Phase.instelling

    async def instelling(self) -> Phase:
        while True:
            besluit_task = self.open_task(TaskType.besluit_instelling)
            await self.until_done(besluit_task)
            besluit = self._payload(besluit_task)
            if besluit["besluit"] == "niet_instellen":
                return Phase.afdoening
            review = self.open_task(TaskType.review_beschikking)
            await self.until_done(review)
            if self._payload(review)["akkoord"]:
                break
        self.s.onderzoekers = list(besluit["onderzoekers"])
        for ref in besluit["betrokkenen"]:
            self.s.betrokkenen[ref].in_onderzoek = True
        self.s.onderzoek_started_at = workflow.now()
        self.emit("beschikking_vastgesteld", details={"termijn_weken": besluit["termijn_weken"]})
        return Phase.onderzoek

    async def onderzoek(self) -> Phase:
        besluit = self._last_payload(TaskType.besluit_instelling)
        started = self.s.onderzoek_started_at or workflow.now()
        concept = self.open_task(
            TaskType.concept_rapport,
            assignees=self.s.onderzoekers,
            due_at=started + timedelta(weeks=besluit["termijn_weken"]),
        )
        await self.until_done(concept)
        zienswijzen = [
            self.open_task(
                TaskType.zienswijze_concept, betrokkene=b.ref, assignees=self.s.onderzoekers
            )
            for b in self._in_onderzoek()
        ]
        await self.until_done(*zienswijzen)
        eind = self.open_task(TaskType.eindrapport, assignees=self.s.onderzoekers)
        await self.until_done(eind)
        self.s.onderzoek_ended_at = workflow.now()
        return Phase.beoordeling

    async def beoordeling(self) -> Phase:
        task = self.open_task(TaskType.schending_beoordeling)
        await self.until_done(task)
        for ref, schending in self._payload(task)["schending"].items():
            self.s.betrokkenen[ref].schending = schending
        if any(b.schending for b in self.s.betrokkenen.values()):
            return Phase.voornemen
        return Phase.afdoening

    async def voornemen(self) -> Phase:
        met_schending = [b for b in self.s.betrokkenen.values() if b.schending]
        drafts = [self.open_task(TaskType.voornemen, betrokkene=b.ref) for b in met_schending]
        await self.until_done(*drafts)
        zienswijzen = []
        for betrokkene, draft in zip(met_schending, drafts, strict=True):
            betrokkene.voorgenomen = list(self._payload(draft)["maatregelen"])
            zienswijzen.append(self._open_zienswijze_voornemen(betrokkene))
        await self.until_done(*zienswijzen)
        hac_measures = set(self.s.policy.hac_measures)
        adviezen = [
            self.open_task(TaskType.hac_advies, betrokkene=b.ref)
            for b in met_schending
            if hac_measures & set(b.voorgenomen)
        ]
        await self.until_done(*adviezen)
        return Phase.afdoening

    def _open_zienswijze_voornemen(self, betrokkene: BetrokkeneState) -> TaskState:
        due = None
        if "ambtsbericht" in betrokkene.voorgenomen:
            weeks = self.s.policy.ambtsbericht_zienswijze_weeks
            due = add_term(workflow.now(), weeks, "weeks")
        return self.open_task(TaskType.zienswijze_voornemen, betrokkene=betrokkene.ref, due_at=due)

    async def afdoening(self) -> Phase:
        refs: list[str | None] = list(self.s.betrokkenen) or [None]
        besluiten = [self.open_task(TaskType.besluit_afdoening, betrokkene=ref) for ref in refs]
        await self.until_done(*besluiten)
        for task in besluiten:
            if task.betrokkene is not None:
                betrokkene = self.s.betrokkenen[task.betrokkene]
                betrokkene.maatregelen = list(self._payload(task)["maatregelen"])
                betrokkene.besluit_at = task.completed_at
        self.open_task(TaskType.nazorg_afspraak)
        return Phase.bezwaar

    async def bezwaar(self) -> Phase:
        decided = [b for b in self.s.betrokkenen.values() if b.besluit_at is not None]
        await asyncio.gather(*(self._bezwaar_of(b) for b in decided))
        return Phase.nazorg

    async def _bezwaar_of(self, betrokkene: BetrokkeneState) -> None:
        termijn = self.open_task(
            TaskType.bezwaartermijn,
            betrokkene=betrokkene.ref,
            due_at=add_term(betrokkene.besluit_at or workflow.now(), 6, "weeks"),
        )
        await self.until_done(termijn)
        if termijn.status == "expired":
            betrokkene.bezwaar = "geen_bezwaar"
            return
        betrokkene.bezwaar = "ingediend"
        weeks = 12 if self._payload(termijn).get("advies_commissie") else 6
        beslissing = self.open_task(
            TaskType.beslissing_op_bezwaar,
            betrokkene=betrokkene.ref,
            due_at=add_term(workflow.now(), weeks, "weeks"),
        )
        await self.until_done(beslissing)
        betrokkene.bezwaar = self._payload(beslissing)["uitkomst"]

    async def nazorg(self) -> Phase:
        afspraak = self._latest(TaskType.nazorg_afspraak) or self.open_task(
            TaskType.nazorg_afspraak
        )
        await self.until_done(afspraak)
        plan = self._payload(afspraak)
        besluit_at = max(
            (b.besluit_at for b in self.s.betrokkenen.values() if b.besluit_at),
            default=afspraak.opened_at,
        )
        checkins = [
            self.open_task(
                TaskType.nazorg_checkin,
                occurrence=f"check-in {n}",
                assignees=plan.get("nazorg_medewerkers") or [],
                due_at=max(add_term(besluit_at, amount, unit), workflow.now() + timedelta(days=1)),
            )
            for n, (amount, unit) in enumerate(((4, "weeks"), (3, "months")), start=1)
        ]
        await self.until_done(*checkins)
        feedback = [t for t in self.s.open_tasks() if t.task_type == TaskType.terugkoppeling_melder]
        await self.until_done(*feedback)
        self.close("afgedaan", "afdoening, bezwaar en nazorg afgerond")
        return Phase.gesloten

    # -- helpers ---------------------------------------------------------------------------

    def _in_onderzoek(self) -> list[BetrokkeneState]:
        return [b for b in self.s.betrokkenen.values() if b.in_onderzoek]

    @staticmethod
    def _payload(task: TaskState) -> dict:
        return task.payload or {}

    def _latest(self, task_type: TaskType) -> TaskState | None:
        """The newest task of a type that was not cancelled (open, done or expired)."""
        kept = [
            t for t in self.s.tasks.values() if t.task_type == task_type and t.status != "cancelled"
        ]
        return kept[-1] if kept else None

    def _last_payload(self, task_type: TaskType) -> dict:
        latest = self._latest(task_type)
        return (latest.payload or {}) if latest else {}
