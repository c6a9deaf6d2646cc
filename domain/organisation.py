"""The known organisation: which units exist. The list is data (sg989/policies/units.txt); this
module only answers whether a unit is one of them, in its canonical spelling, or which known
units come close."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.roles import defensieonderdeel_of


class UnknownUnit(ValueError):
    def __init__(self, unit: str, close: list[str]) -> None:
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        super().__init__(f"unit '{unit}' is not a known unit of the organisation{hint}")
        self.unit, self.close = unit, close


@dataclass(frozen=True)
class Organisation:
    units: tuple[str, ...]
    _by_key: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for unit in self.units:
            defensieonderdeel_of(unit)  # every known unit lies in a defensieonderdeel
        object.__setattr__(self, "_by_key", {u.lower(): u for u in self.units})

    @classmethod
    def parse(cls, lines: Iterable[str]) -> Organisation:
        """One unit path per line; blank lines and `#` comments are skipped."""
        units = (line.split("#", 1)[0].strip() for line in lines)
        return cls(units=tuple(u for u in units if u))

    def canonical(self, unit: str) -> str:
        """The unit as the organisation spells it; UnknownUnit naming close matches otherwise."""
        known = self._by_key.get(unit.strip().lower().rstrip("/"))
        if known is None:
            lowered = difflib.get_close_matches(unit.strip().lower(), list(self._by_key), 3, 0.75)
            raise UnknownUnit(unit, [self._by_key[key] for key in lowered])
        return known
