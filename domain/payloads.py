"""What each human task needs when it is completed: one pydantic model per task type."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from domain.bounds import check_bounded
from domain.measures import validate_measures
from domain.phases import TaskType

Text = Field(min_length=1, max_length=20_000)


class Payload(BaseModel):
    """Every text at most 20,000 characters without control characters, every list at most 100
    entries, every date between 2000 and 2100 (domain.bounds)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    _bounded = field_validator("*")(check_bounded)


class Ontvangstbevestiging(Payload):
    verzonden_op: date
    kanaal: Literal["email", "post", "telefoon", "webformulier", "persoonlijk"]
    # Mailed to the melder with the case number, if they left an e-mail address (issue 10).
    bericht_aan_melder: str | None = Field(default=None, max_length=5000)


class IntakeContact(Payload):
    samenvatting: str = Text


class KeuzeAfhandeling(Payload):
    keuze: Literal["lijn", "klacht", "onderzoek_overwogen"]
    motivering: str = Text
    klacht_referentie: str | None = None

    @model_validator(mode="after")
    def _klacht_needs_reference(self) -> KeuzeAfhandeling:
        if self.keuze == "klacht" and not self.klacht_referentie:
            raise ValueError(
                "routing to the klacht track needs the klacht_referentie (COG/Klachtenregeling)"
            )
        return self


class Weging(Payload):
    advies: Literal["onderzoek", "geen_onderzoek", "lichtere_middelen"]
    motivering: str = Text


class BesluitInstelling(Payload):
    besluit: Literal["instellen", "niet_instellen"]
    motivering: str | None = None
    onderzoeksopdracht: str | None = None
    onderzoekers: list[str] = Field(default_factory=list)
    # None: the onderzoek term of the case's policy; more than that needs an extension.
    termijn_weken: int | None = Field(default=None, ge=1, le=52)
    betrokkenen: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _beschikking_is_complete(self) -> BesluitInstelling:
        if self.besluit == "niet_instellen":
            if not self.motivering:
                raise ValueError("not starting an investigation requires a motivering")
            return self
        missing = [
            name
            for name, value in (
                ("onderzoeksopdracht", self.onderzoeksopdracht),
                ("onderzoekers", self.onderzoekers),
                ("betrokkenen", self.betrokkenen),
            )
            if not value
        ]
        if missing:
            raise ValueError(f"the instellingsbeschikking must record: {', '.join(missing)}")
        return self


class ReviewBeschikking(Payload):
    akkoord: bool
    opmerkingen: str | None = None

    @model_validator(mode="after")
    def _refusal_needs_reasons(self) -> ReviewBeschikking:
        if not self.akkoord and not self.opmerkingen:
            raise ValueError("a beschikking sent back needs opmerkingen saying what to change")
        return self


class Rapport(Payload):
    document_ref: str = Text
    samenvatting: str = Text


class Zienswijze(Payload):
    ontvangen: bool
    samenvatting: str | None = None


class SchendingBeoordeling(Payload):
    schending: dict[str, bool]
    motivering: str = Text


class Voornemen(Payload):
    maatregelen: list[str]
    motivering: str = Text

    @field_validator("maatregelen")
    @classmethod
    def _known_measures(cls, value: list[str]) -> list[str]:
        parsed = validate_measures(value)
        if "geen_maatregel" in parsed:
            raise ValueError(
                "a voornemen contemplates a measure; 'geen_maatregel' needs no voornemen"
            )
        return value


class HacAdvies(Payload):
    advies: str = Text
    geadviseerde_maatregelen: list[str] = Field(default_factory=list)


class BesluitAfdoening(Payload):
    maatregelen: list[str]
    motivering: str = Text

    @field_validator("maatregelen")
    @classmethod
    def _known_measures(cls, value: list[str]) -> list[str]:
        validate_measures(value)
        return value


class Bezwaar(Payload):
    ontvangen_op: date
    advies_commissie: bool = False


class BeslissingOpBezwaar(Payload):
    uitkomst: Literal["gegrond", "ongegrond", "niet_ontvankelijk", "ingetrokken"]
    motivering: str = Text


class NazorgAfspraak(Payload):
    plan: str = Text
    aanbieder: Literal["lijn", "vp", "bmw", "coid", "arts", "gv"]
    doelgroepen: list[Literal["melder", "betrokkene", "getuige", "team"]] = Field(min_length=1)
    nazorg_medewerkers: list[str] = Field(default_factory=list)


class Verslag(Payload):
    verslag: str = Text


class Terugkoppeling(Verslag):
    bericht_aan_melder: str | None = Field(default=None, max_length=5000)  # as above


class SchorsingReview(Payload):
    besluit: Literal["opheffen", "handhaven"]
    motivering: str = Text


class BesluitNaIntrekking(Payload):
    voortzetten: bool
    motivering: str = Text


PAYLOAD_MODEL: dict[TaskType, type[Payload]] = {
    TaskType.ontvangstbevestiging: Ontvangstbevestiging,
    TaskType.intake_contact: IntakeContact,
    TaskType.keuze_afhandeling: KeuzeAfhandeling,
    TaskType.weging: Weging,
    TaskType.besluit_instelling: BesluitInstelling,
    TaskType.review_beschikking: ReviewBeschikking,
    TaskType.concept_rapport: Rapport,
    TaskType.zienswijze_concept: Zienswijze,
    TaskType.eindrapport: Rapport,
    TaskType.schending_beoordeling: SchendingBeoordeling,
    TaskType.voornemen: Voornemen,
    TaskType.zienswijze_voornemen: Zienswijze,
    TaskType.hac_advies: HacAdvies,
    TaskType.besluit_afdoening: BesluitAfdoening,
    TaskType.bezwaartermijn: Bezwaar,
    TaskType.beslissing_op_bezwaar: BeslissingOpBezwaar,
    TaskType.nazorg_afspraak: NazorgAfspraak,
    TaskType.nazorg_checkin: Verslag,
    TaskType.terugkoppeling_melder: Terugkoppeling,
    TaskType.schorsing_review: SchorsingReview,
    TaskType.besluit_na_intrekking: BesluitNaIntrekking,
}


def parse_payload(task_type: TaskType, data: dict) -> Payload:
    """Validate a task payload; raises ValueError naming each bad field and why."""
    model = PAYLOAD_MODEL[task_type]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "payload"
            problems.append(f"{where}: {err['msg']}")
        raise ValueError(f"invalid {task_type.value} payload: " + "; ".join(problems)) from None
