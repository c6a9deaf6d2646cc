"""The one home of the due-process rules: pure functions over the case state.

Each raises CaseRuleViolation with a sentence that says why; the workflow's Update validators
and the API's early checks call the same functions.
"""

from domain.rules.access import (
    NEGATIVE_WEGING,
    check_case_open,
    check_in_scope,
    is_negative_weging,
    open_task_for,
)
from domain.rules.afdoening import check_besluit_afdoening, needs_bezwaartermijn, route_of
from domain.rules.complete import check_complete, roles_for
from domain.rules.duties import check_reassign
from domain.rules.obligations import check_may_close, check_withdraw, withdrawal_effect
from domain.rules.practice import check_reopen
from domain.rules.schorsing import check_schorsing
from domain.rules.terms import check_extend

__all__ = [
    "NEGATIVE_WEGING",
    "check_besluit_afdoening",
    "check_case_open",
    "check_complete",
    "check_extend",
    "check_in_scope",
    "check_may_close",
    "check_reassign",
    "check_reopen",
    "check_schorsing",
    "check_withdraw",
    "is_negative_weging",
    "needs_bezwaartermijn",
    "open_task_for",
    "roles_for",
    "route_of",
    "withdrawal_effect",
]
