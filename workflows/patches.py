"""One patch marker instead of one per patch, for runs started after all of these were in force.

Every ``workflow.patched(id)`` that returns true in a new run writes a marker and an upsert of
``TemporalChangeVersion``: two history events per patch, a dozen per case. A run that records
``BASELINE`` treats every id in ``IN_BASELINE`` as patched without a marker of its own. Runs
started before (no ``BASELINE`` marker where the first patch was asked) ask each id as they
always did, so their histories replay unchanged. Patches added later are asked one by one, or
join a later baseline: ``BASELINE_2`` holds every id of ``IN_BASELINE`` and the patches after it,
so a run started now records that one marker alone. A run that recorded ``BASELINE`` asked
``BASELINE_2`` first while replaying (no marker: false, remembered for the run) and so keeps
its own answers.
"""

from __future__ import annotations

from temporalio import workflow

BASELINE = "patches-2026-11"
IN_BASELINE = frozenset(
    {
        "search-attributes",
        "one-write-per-step",
        "withdrawal-keeps-obligations",
        "terms-from-policy",
        "no-bezwaar-for-geen-maatregel",
        "nazorg-checkins-from-besluit",
        "close-after-obligations",
    }
)


# Never edit either set: running cases depend on them. A later baseline is a new id and set.
BASELINE_2 = "patches-2026-12"
ONE_DEADLINE_TIMER = "one-deadline-timer"  # one timer per case, not one per open task
IN_BASELINE_2 = IN_BASELINE | {ONE_DEADLINE_TIMER}


def patched(patch_id: str) -> bool:
    """``workflow.patched``, answered by the baseline marker where the run has one."""
    if patch_id in IN_BASELINE_2 and workflow.patched(BASELINE_2):
        return True
    if patch_id in IN_BASELINE and workflow.patched(BASELINE):
        return True
    return workflow.patched(patch_id)
