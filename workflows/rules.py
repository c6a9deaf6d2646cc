"""Adapter: the rules behind the update validators live in ``domain.rules`` (one home)."""

from __future__ import annotations

from domain.rules import (
    NEGATIVE_WEGING,
    check_case_open,
    check_complete,
    check_extend,
    check_in_scope,
    check_reassign,
    check_schorsing,
    check_withdraw,
    is_negative_weging,
    open_task_for,
)

__all__ = [
    "NEGATIVE_WEGING",
    "check_case_open",
    "check_complete",
    "check_extend",
    "check_in_scope",
    "check_reassign",
    "check_schorsing",
    "check_withdraw",
    "is_negative_weging",
    "open_task_for",
]
