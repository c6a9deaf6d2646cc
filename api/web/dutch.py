"""Words and dates as the web app shows them, in Dutch."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.phases import Phase
from domain.roles import Role

TZ = ZoneInfo("Europe/Amsterdam")

PHASE: dict[str, str] = {
    Phase.intake: "Intake",
    Phase.keuze_afhandeling: "Keuze afhandeling",
    Phase.weging: "Weging",
    Phase.instelling: "Instelling",
    Phase.onderzoek: "Onderzoek",
    Phase.beoordeling: "Beoordeling",
    Phase.voornemen: "Voornemen",
    Phase.afdoening: "Afdoening",
    Phase.bezwaar: "Bezwaar",
    Phase.nazorg: "Nazorg",
    Phase.gesloten: "Gesloten",
}
ROLE: dict[str, str] = {
    Role.commandant: "Commandant",
    Role.coid_adviseur: "COID-adviseur",
    Role.onderzoeker: "Onderzoeker",
    Role.jurist: "Jurist",
    Role.hac: "Hoor- en adviescommissie",
    Role.nazorg: "Nazorg",
    Role.auditor: "Auditor",
    Role.beheerder: "Beheerder",
}
STATUS = {"open": "open", "gesloten": "gesloten", "done": "afgerond", "cancelled": "vervallen"}
FIELD: dict[str, str] = {
    "description": "Omschrijving",
    "category_toelichting": "Toelichting categorie",
    "melder_contact": "Contactgegevens melder",
    "close_reason": "Reden van sluiten",
    "klacht_referentie": "Klachtreferentie",
    "weging": "Weging",
    "schending_vastgesteld": "Schending vastgesteld",
    "betrokkene_refs": "Betrokkenen",
    "maatregelen": "Maatregelen",
    "assignees": "Toegewezen aan",
}
CODE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")  # a code such as onderzoek_overwogen
MONTHS = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


def label(text: str) -> str:
    """A code such as ``onderzoek_overwogen`` as words: ``onderzoek overwogen``."""
    return text.replace("_", " ")


def phase(code: str | None) -> str:
    return PHASE.get(code or "", label(code or "-"))


def role(code: str | None) -> str:
    return ROLE.get(code or "", label(code or "-"))


def local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(TZ) if moment else None


def datum(moment: datetime | date | None) -> str:
    if moment is None:
        return "-"
    day = local(moment).date() if isinstance(moment, datetime) else moment  # type: ignore[union-attr]
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def datumtijd(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    at = local(moment)
    assert at is not None
    return f"{datum(at)} {at:%H:%M}"


def dagen_tot(moment: datetime | None, now: datetime) -> str:
    """'over 3 dagen', 'vandaag', '2 dagen te laat'."""
    if moment is None:
        return ""
    days = (local(moment).date() - local(now).date()).days  # type: ignore[union-attr]
    if days == 0:
        return "vandaag"
    if days > 0:
        return "morgen" if days == 1 else f"over {days} dagen"
    return "1 dag te laat" if days == -1 else f"{-days} dagen te laat"


def waarde(value: object) -> str:
    """A timeline detail as a person reads it: dates in Dutch, lists and dicts as words."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, dict):
        return "; ".join(f"{label(str(k))}: {waarde(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(waarde(v) for v in value) or "-"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return datumtijd(datetime.fromisoformat(value))
        except ValueError:
            return value
    return label(value) if isinstance(value, str) and CODE.match(value) else str(value)


FILTERS = {
    "waarde": waarde,
    "phase": phase,
    "role": role,
    "label": label,
    "datum": datum,
    "datumtijd": datumtijd,
}
