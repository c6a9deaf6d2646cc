"""Need-to-know (domain reference, section 6): who may read a case, and which fields of it.

One table decides it: NEED_TO_KNOW maps every sensitive field to the roles that need it.
Fields not in the table (case number, unit, category, channel, phase, dates, deadlines) are
visible to every role that may read the case at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.rows import CaseRow, TaskRow
from domain.case import Actor
from domain.phases import TaskType
from domain.roles import Role, unit_in_scope
from store.models import Case, Task

R = Role
CASEWORK = frozenset({R.commandant, R.coid_adviseur, R.onderzoeker, R.jurist, R.hac})

NEED_TO_KNOW: dict[str, frozenset[Role]] = {
    # The melder's identity: the case's COID adviser only (section 6, first rule).
    "melder_contact": frozenset({R.coid_adviseur}),
    # What happened, in free text: those who handle the case.
    "description": CASEWORK,
    "category_toelichting": CASEWORK,
    "close_reason": CASEWORK,
    "klacht_referentie": frozenset({R.commandant, R.coid_adviseur, R.jurist}),
    "weging": CASEWORK | {R.auditor},
    "schending_vastgesteld": CASEWORK | {R.auditor},
    # Pseudonymous references of the betrokkenen; auditors get ordinals instead.
    "betrokkene_refs": CASEWORK | {R.nazorg},
    "maatregelen": frozenset({R.commandant, R.coid_adviseur, R.jurist, R.hac, R.auditor}),
    # Who works on a task, and who did what in the timeline.
    "assignees": frozenset({R.commandant, R.coid_adviseur, R.jurist, R.beheerder}),
    "actor_identity": frozenset({R.commandant, R.coid_adviseur, R.jurist}),
    # Contact with the melder recorded in intake tasks stays with the COID.
    "melder_task_content": frozenset({R.coid_adviseur}),
    "decision_content": frozenset({R.commandant, R.coid_adviseur, R.jurist}),
}
# The KMar's own integrity adviser takes the intake there and needs what the COID adviser needs
# elsewhere; unit scope keeps them to KMar cases.
NEED_TO_KNOW = {
    f: roles | {R.kmar_integriteitsadviseur} if R.coid_adviseur in roles else roles
    for f, roles in NEED_TO_KNOW.items()
}
CASE_FIELDS = (
    "melder_contact",
    "description",
    "category_toelichting",
    "close_reason",
    "klacht_referentie",
    "weging",
    "schending_vastgesteld",
    "betrokkene_refs",
    "maatregelen",
    "assignees",
)
TIMELINE_READERS = frozenset(
    {R.commandant, R.coid_adviseur, R.kmar_integriteitsadviseur, R.jurist, R.auditor}
)
CHAIN_VERIFIERS = TIMELINE_READERS | {R.beheerder}
MELDER_TASKS = frozenset(
    {TaskType.ontvangstbevestiging, TaskType.intake_contact, TaskType.terugkoppeling_melder}
)
# Timeline details an auditor sees: categories, units, dates, measures, durations, never names.
AUDITOR_DETAILS = frozenset(
    {
        "task_id", "task_type", "due_at", "basis", "op_tijd", "niveau", "geescaleerd_naar",
        "uitkomst", "unit", "category", "channel", "melder_type", "variant", "policy_version",
    }
)  # fmt: skip
# Which role a multi-role caller reads a case as: the one that needs the most.
PRECEDENCE = (
    R.coid_adviseur,
    R.kmar_integriteitsadviseur,
    R.commandant,
    R.jurist,
    R.onderzoeker,
    R.hac,
    R.nazorg,
    R.auditor,
    R.beheerder,
)


ALL_ROLES = frozenset(Role)


def may_see(role: Role, field: str) -> bool:
    return role in NEED_TO_KNOW.get(field, ALL_ROLES)


def is_case_adviser(user: Actor, tasks: Sequence[Task | TaskRow]) -> bool:
    """The case's COID adviser: whoever completed one of its COID tasks or has one assigned.
    Until someone has, every COID adviser in scope is: one of them must take the intake."""
    advisers = (R.coid_adviseur.value, R.kmar_integriteitsadviseur.value)
    coid_tasks = [t for t in tasks if t.role in advisers]
    handlers = {t.completed_by for t in coid_tasks if t.completed_by}
    handlers |= {sub for t in coid_tasks if t.status == "open" for sub in t.assignees}
    return not handlers or user.sub in handlers


def hidden_fields(role: Role, *, case_adviser: bool = True) -> list[str]:
    hidden = [f for f in CASE_FIELDS if not may_see(role, f)]
    if not case_adviser and "melder_contact" not in hidden:
        hidden.insert(0, "melder_contact")
    return hidden


def _takes_part(role: Role, user: Actor, tasks: Sequence[Task | TaskRow]) -> bool:
    """Roles brought in for one step see a case only once they have a task in it."""
    if role == R.onderzoeker:
        return any(t.role == role and user.sub in t.assignees for t in tasks)
    if role in (R.hac, R.nazorg):
        return any(t.role == role and (not t.assignees or user.sub in t.assignees) for t in tasks)
    return True


def viewing_role(user: Actor, case: Case | CaseRow, tasks: Sequence[Task | TaskRow]) -> Role | None:
    """The role through which ``user`` may read ``case``, or None: then the case does not exist
    for them (404, never 403, so that its existence does not leak)."""
    if not unit_in_scope(case.unit, user.units):
        return None
    for role in PRECEDENCE:
        if role in user.roles and _takes_part(role, user, tasks):
            return role
    return None


def redact_event_details(
    role: Role, event_type: str, details: dict[str, Any], *, case_adviser: bool = True
) -> dict[str, Any]:
    """Event details as ``role`` may see them; what the melder said only for the case's adviser."""
    if role == R.auditor:
        shown = {k: v for k, v in details.items() if k in AUDITOR_DETAILS}
        besluit = details.get("besluit")
        if isinstance(besluit, dict) and "maatregelen" in besluit:
            shown["maatregelen"] = besluit["maatregelen"]
        if event_type in ("fase_gewijzigd", "termijn_verlengd"):
            shown.update({k: details[k] for k in ("van", "naar") if k in details})
        return shown
    shown = dict(details)
    if "besluit" in shown:
        melder_task = details.get("task_type") in {t.value for t in MELDER_TASKS}
        field = "melder_task_content" if melder_task else "decision_content"
        if not may_see(role, field) or (melder_task and not case_adviser):
            shown["besluit"] = "[need-to-know]"
    return shown
