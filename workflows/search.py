"""Search attributes: what an operator may filter cases on in Temporal, never personal data.

    temporal workflow list --query "Phase='weging' AND Overdue=true"

The case number, phase, defensieonderdeel and category say nothing about who is involved;
Overdue is true while an open task is past its deadline. The workflow publishes them at start
and again whenever one of them changes (every audit event is a chance to change).
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

from workflows import patches

with workflow.unsafe.imports_passed_through():
    from domain.case import CaseState
    from domain.public import PublicText
    from domain.roles import defensieonderdeel_of

CASE_NUMBER = SearchAttributeKey.for_keyword("CaseNumber")
PHASE = SearchAttributeKey.for_keyword("Phase")
DEFENSIEONDERDEEL = SearchAttributeKey.for_keyword("Defensieonderdeel")
CATEGORY = SearchAttributeKey.for_keyword("Category")
OVERDUE = SearchAttributeKey.for_bool("Overdue")
KEYS: tuple[SearchAttributeKey, ...] = (CASE_NUMBER, PHASE, DEFENSIEONDERDEEL, CATEGORY, OVERDUE)
PATCH = "search-attributes"  # histories recorded before carry no upserts
_PUBLISHED = "_search_attributes_published"


def server_flags() -> list[str]:
    """`temporal server start-dev` flags that register the attributes (Keyword, Bool)."""
    kinds = {OVERDUE.name: "Bool"}
    return [
        flag
        for key in KEYS
        for flag in ("--search-attribute", f"{key.name}={kinds.get(key.name, 'Keyword')}")
    ]


def is_overdue(s: CaseState) -> bool:
    now = workflow.now()
    return any(t.escalation_level > 0 or t.due_at <= now for t in s.open_tasks())


def current(s: CaseState) -> dict[str, str | bool]:
    return {
        CASE_NUMBER.name: s.case_id,
        PHASE.name: s.phase.value,
        DEFENSIEONDERDEEL.name: defensieonderdeel_of(s.melding.unit).value,
        CATEGORY.name: str(s.melding.category),
        OVERDUE.name: s.status == "open" and is_overdue(s),
    }


def publish(case: object, s: CaseState) -> None:
    """Upsert the attributes that changed since the last call for this run (none: no command)."""
    if not patches.patched(PATCH):
        return
    wanted = current(s)
    published: dict[str, str | bool] = getattr(case, _PUBLISHED, {})
    updates: list[SearchAttributeUpdate] = [
        key.value_set(wanted[key.name])  # type: ignore[arg-type]
        for key in KEYS
        if published.get(key.name) != wanted[key.name]
    ]
    if updates:
        workflow.upsert_search_attributes(updates)
        setattr(case, _PUBLISHED, wanted)


def timer_summary(task_type: str, phase: str, milestone: str) -> PublicText:
    """What the UI shows on a deadline timer, e.g. "escalatie: weging (weging)"; in clear
    (vocabulary only), so the timeline reads without the codec."""
    return PublicText(f"{milestone}: {task_type} ({phase})")


def activity_summary(event_type: str, phase: str) -> PublicText:
    return PublicText(f"record {event_type} ({phase})")


def step_summary(events: int, first_event_type: str) -> PublicText:
    """What the UI shows on a store write: how many audit events, starting with which type."""
    return PublicText(f"{events} event(s) from {first_event_type}")
