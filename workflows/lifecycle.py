"""The SG-989 lifecycle (domain reference, section 2): one step per phase, one dispatcher.

Every term comes from the case's policy version; the rules that decide what may happen live in
``domain.rules``. Changes that alter what a running case does are guarded by ``workflow.patched``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.case import BetrokkeneState, TaskState
    from domain.payloads import (
        BeslissingOpBezwaar,
        BesluitAfdoening,
        BesluitInstelling,
        Bezwaar,
        KeuzeAfhandeling,
        NazorgAfspraak,
        Ontvangstbevestiging,
        ReviewBeschikking,
        SchendingBeoordeling,
        Voornemen,
        Weging,
    )
    from domain.phases import Phase, TaskType
    from domain.rules import is_negative_weging, needs_bezwaartermijn
    from domain.rules.access import payload_of
    from domain.rules.terms import (
        beslissing_op_bezwaar_due,
        legacy_checkin_due,
        legacy_terugkoppeling_due,
        onderzoek_due,
    )

from workflows import patches
from workflows.closing import CaseClosing

Step = Callable[[], Awaitable[Phase]]
# Patch ids: each marks a change in what a running case does (old histories replay without it).
TERMS_FROM_POLICY = "terms-from-policy"
NO_BEZWAAR_FOR_GEEN_MAATREGEL = "no-bezwaar-for-geen-maatregel"
NAZORG_FROM_BESLUIT = "nazorg-checkins-from-besluit"
CLOSE_AFTER_OBLIGATIONS = "close-after-obligations"


class Lifecycle(CaseClosing):
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
        self.open_task(TaskType.terugkoppeling_melder, due_at=self._terugkoppeling_due(bevestiging))
        await self.until_done(contact)
        return Phase.keuze_afhandeling

    def _terugkoppeling_due(self, bevestiging: TaskState) -> datetime:
        """The Wbk clock runs from the day the ontvangstbevestiging was sent."""
        if not patches.patched(TERMS_FROM_POLICY):
            return legacy_terugkoppeling_due(workflow.now())
        start = workflow.now()
        if bevestiging.status == "done":
            sent = payload_of(bevestiging, Ontvangstbevestiging).verzonden_op
            start = min(start, datetime.combine(sent, start.timetz()).astimezone(UTC))
        return self.s.policy.due_from(TaskType.terugkoppeling_melder, start)

    async def keuze_afhandeling(self) -> Phase:
        task = self.open_task(TaskType.keuze_afhandeling)
        await self.until_done(task)
        keuze = payload_of(task, KeuzeAfhandeling)
        if keuze.keuze == "klacht":
            self.s.klacht_referentie = keuze.klacht_referentie
            self.close_after_feedback("doorverwezen_klacht", keuze.motivering)
            return Phase.gesloten
        if keuze.keuze == "lijn":
            return Phase.afdoening
        if self.s.variant == "kmar":
            self.emit("geen_weging_kmar", details={"reden": "KMar: onderzoek onder de Politiewet"})
            return Phase.instelling
        return Phase.weging

    async def weging(self) -> Phase:
        task = self.open_task(TaskType.weging)
        await self.until_done(task)
        self.s.weging = payload_of(task, Weging).advies
        return Phase.afdoening if is_negative_weging(self.s.weging) else Phase.instelling

    async def instelling(self) -> Phase:
        while True:
            besluit_task = self.open_task(TaskType.besluit_instelling)
            await self.until_done(besluit_task)
            besluit = payload_of(besluit_task, BesluitInstelling)
            if besluit.besluit == "niet_instellen":
                return Phase.afdoening
            review = self.open_task(TaskType.review_beschikking)
            await self.until_done(review)
            if payload_of(review, ReviewBeschikking).akkoord:
                break
        self.s.onderzoekers = list(besluit.onderzoekers)
        for ref in besluit.betrokkenen:
            self.s.betrokkenen[ref].in_onderzoek = True
        self.s.onderzoek_started_at = workflow.now()
        weken = besluit.termijn_weken or self.s.policy.clock(TaskType.concept_rapport).term
        self.emit("beschikking_vastgesteld", details={"termijn_weken": weken})
        return Phase.onderzoek

    async def onderzoek(self) -> Phase:
        besluit_task = self._latest(TaskType.besluit_instelling)
        assert besluit_task is not None
        besluit = payload_of(besluit_task, BesluitInstelling)
        started = self.s.onderzoek_started_at or workflow.now()
        concept = self.open_task(
            TaskType.concept_rapport,
            assignees=self.s.onderzoekers,
            due_at=onderzoek_due(self.s, besluit, started),
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
        for ref, schending in payload_of(task, SchendingBeoordeling).schending.items():
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
            betrokkene.voorgenomen = list(payload_of(draft, Voornemen).maatregelen)
            zienswijzen.append(self._open_zienswijze_voornemen(betrokkene))
        await self.until_done(*zienswijzen)
        hac_measures = self.s.policy.hac_measures_for(self.s.melding.unit)
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
            due = self.s.policy.term_end(workflow.now(), weeks, "weeks")
        return self.open_task(TaskType.zienswijze_voornemen, betrokkene=betrokkene.ref, due_at=due)

    async def afdoening(self) -> Phase:
        refs: list[str | None] = list(self.s.betrokkenen) or [None]
        besluiten = [self.open_task(TaskType.besluit_afdoening, betrokkene=ref) for ref in refs]
        await self.until_done(*besluiten)
        for task in besluiten:
            if task.betrokkene is not None:
                betrokkene = self.s.betrokkenen[task.betrokkene]
                betrokkene.maatregelen = list(payload_of(task, BesluitAfdoening).maatregelen)
                betrokkene.besluit_at = task.completed_at
        self._latest(TaskType.nazorg_afspraak) or self.open_task(TaskType.nazorg_afspraak)
        if patches.patched(NAZORG_FROM_BESLUIT):
            self._open_checkins(self._besluit_at())
        return Phase.bezwaar

    async def bezwaar(self) -> Phase:
        decided = [b for b in self.s.betrokkenen.values() if b.besluit_at is not None]
        if patches.patched(NO_BEZWAAR_FOR_GEEN_MAATREGEL):
            decided = [b for b in decided if needs_bezwaartermijn(b.maatregelen)]
        await asyncio.gather(*(self._bezwaar_of(b) for b in decided))
        return Phase.nazorg

    async def _bezwaar_of(self, betrokkene: BetrokkeneState) -> None:
        besluit_at = betrokkene.besluit_at or workflow.now()
        termijn = self.open_task(
            TaskType.bezwaartermijn,
            betrokkene=betrokkene.ref,
            due_at=self.s.policy.due_from(TaskType.bezwaartermijn, besluit_at),
        )
        await self.until_done(termijn)
        if termijn.status == "expired":
            betrokkene.bezwaar = "geen_bezwaar"
            return
        betrokkene.bezwaar = "ingediend"
        bezwaar = payload_of(termijn, Bezwaar)
        if patches.patched(TERMS_FROM_POLICY):
            received = datetime.combine(bezwaar.ontvangen_op, besluit_at.timetz())
            due = beslissing_op_bezwaar_due(
                self.s, termijn.due_at, received, advisory=bezwaar.advies_commissie
            )
        else:  # replay only: counted from the moment the bezwaar was recorded
            due = self.s.policy.due_from(
                TaskType.beslissing_op_bezwaar, workflow.now(), advisory=bezwaar.advies_commissie
            )
        beslissing = self.open_task(
            TaskType.beslissing_op_bezwaar, betrokkene=betrokkene.ref, due_at=due
        )
        await self.until_done(beslissing)
        betrokkene.bezwaar = payload_of(beslissing, BeslissingOpBezwaar).uitkomst

    async def nazorg(self) -> Phase:
        afspraak = self._latest(TaskType.nazorg_afspraak) or self.open_task(
            TaskType.nazorg_afspraak
        )
        await self.until_done(afspraak)
        plan = payload_of(afspraak, NazorgAfspraak)
        checkins = [t for t in self.s.tasks.values() if t.task_type == TaskType.nazorg_checkin]
        if checkins:  # opened at the besluit: now they know who gives the nazorg
            for task in checkins:
                if task.is_open and not task.assignees:
                    task.assignees = list(plan.nazorg_medewerkers)
        else:
            checkins = self._open_checkins(
                self._besluit_at(afspraak.opened_at), plan.nazorg_medewerkers, legacy=True
            )
        await self.until_done(*checkins)
        feedback = [t for t in self.s.open_tasks() if t.task_type == TaskType.terugkoppeling_melder]
        await self.until_done(*feedback)
        if patches.patched(CLOSE_AFTER_OBLIGATIONS):
            await self._final_obligations()
        self.close("afgedaan", "afdoening, bezwaar en nazorg afgerond")
        return Phase.gesloten

    def _open_checkins(
        self, besluit_at: datetime, assignees: list[str] | None = None, *, legacy: bool = False
    ) -> list[TaskState]:
        dues = self.s.policy.checkin_dues(besluit_at)
        if legacy:
            dues = [legacy_checkin_due(due, workflow.now()) for due in dues]
        return [
            self.open_task(
                TaskType.nazorg_checkin,
                occurrence=f"check-in {n}",
                assignees=assignees or [],
                due_at=due,
            )
            for n, due in enumerate(dues, start=1)
        ]

    # -- helpers ---------------------------------------------------------------------------

    def _besluit_at(self, default: datetime | None = None) -> datetime:
        return max(
            (b.besluit_at for b in self.s.betrokkenen.values() if b.besluit_at),
            default=default or workflow.now(),
        )

    def _in_onderzoek(self) -> list[BetrokkeneState]:
        return [b for b in self.s.betrokkenen.values() if b.in_onderzoek]

    def _latest(self, task_type: TaskType) -> TaskState | None:
        """The newest task of a type that was not cancelled (open, done or expired)."""
        kept = [
            t for t in self.s.tasks.values() if t.task_type == task_type and t.status != "cancelled"
        ]
        return kept[-1] if kept else None
