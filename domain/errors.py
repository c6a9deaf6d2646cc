"""Why a request to change a case was refused; the API maps each kind to an HTTP status."""

from __future__ import annotations

from enum import StrEnum


class Rejection(StrEnum):
    forbidden = "forbidden"  # wrong role or unit scope: 403
    not_found = "not_found"  # no such task in this case: 404
    conflict = "conflict"  # task already completed, case moved on or closed: 409
    invalid = "invalid"  # payload does not fit the task: 422


class CaseRuleViolation(ValueError):
    """Raised by pure rule checks; the workflow turns it into a typed ApplicationError."""

    def __init__(self, kind: Rejection, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
