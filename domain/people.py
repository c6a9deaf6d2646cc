"""A person in the local directory: the roles they hold, where, and how they hear of tasks.

Roles are the API roles (domain.roles.Role) and the escalation levels of the deadline policy
("hogere_commandant", "coid_teamleider", ...): whoever holds such a level receives the
escalations addressed to it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.notifications import looks_like_email
from domain.policy import DeadlinePolicy
from domain.roles import Role, defensieonderdeel_of

Delivery = Literal["direct", "digest"]


def known_roles(policy: DeadlinePolicy) -> set[str]:
    """API roles plus every escalation level the policy names."""
    levels = {level for chain in policy.escalation.values() for level in chain}
    return {role.value for role in Role} | levels


class PersonFields(BaseModel):
    """What the beheerder may set; validated the same way by the API and the CSV import."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    roles: list[str] = Field(min_length=1)
    units: list[str] = Field(min_length=1)
    delivery: Delivery = "direct"
    active: bool = True

    @field_validator("email")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not looks_like_email(value):
            raise ValueError(f"'{value}' is not an e-mail address")
        return value

    @field_validator("units")
    @classmethod
    def _units_in_a_do(cls, units: list[str]) -> list[str]:
        for unit in units:
            defensieonderdeel_of(unit)
        return units


class PersonIn(PersonFields):
    sub: str = Field(min_length=1, max_length=200, description="The identity provider's subject")


def unknown_roles(roles: list[str], known: set[str]) -> list[str]:
    return [role for role in roles if role not in known]
