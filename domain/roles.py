"""Roles, defensieonderdelen and unit scope (domain reference, section 1)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    commandant = "commandant"
    coid_adviseur = "coid_adviseur"
    onderzoeker = "onderzoeker"
    jurist = "jurist"
    hac = "hac"
    nazorg = "nazorg"
    auditor = "auditor"
    beheerder = "beheerder"
    # The KMar's own adviseur integriteit (Sectie Integriteit): the intake the COID does elsewhere.
    kmar_integriteitsadviseur = "kmar_integriteitsadviseur"


class Defensieonderdeel(StrEnum):
    CZSK = "CZSK"
    CLAS = "CLAS"
    CLSK = "CLSK"
    KMar = "KMar"
    BS = "BS"
    DOSCO = "DOSCO"
    DMO = "DMO"


# Looked up on every audit event a case emits (its search attributes) and for every row: a dict,
# not a walk over the enum.
_DO_BY_NAME = {do.value.lower(): do for do in Defensieonderdeel}


def defensieonderdeel_of(unit: str) -> Defensieonderdeel:
    """The DO is the first segment of a unit path such as ``CLAS/11LMB``."""
    do = _DO_BY_NAME.get(unit.split("/", 1)[0].lower())
    if do is not None:
        return do
    raise ValueError(
        f"unit '{unit}' does not start with a defensieonderdeel "
        f"({', '.join(d.value for d in Defensieonderdeel)})"
    )


def unit_in_scope(unit: str, scopes: list[str] | tuple[str, ...]) -> bool:
    """A scope covers its own unit and every unit below it (``CLAS`` covers ``CLAS/11LMB``)."""
    unit_l = unit.lower()
    for scope in scopes:
        s = scope.lower().rstrip("/")
        if unit_l == s or unit_l.startswith(s + "/"):
            return True
    return False


def is_kmar(unit: str) -> bool:
    """KMar cases follow the Politiewet variant: no COID weging, own SIO and JuHRA."""
    return defensieonderdeel_of(unit) is Defensieonderdeel.KMar


def intake_role(unit: str) -> Role:
    """Who takes the intake and talks with the melder: the KMar's own adviser, else the COID."""
    return Role.kmar_integriteitsadviseur if is_kmar(unit) else Role.coid_adviseur
