"""One patch marker instead of one per patch, for runs started after all of these were in force.

Every ``workflow.patched(id)`` that returns true in a new run writes a marker and an upsert of
``TemporalChangeVersion``: two history events per patch, a dozen per case. A run that records
``BASELINE`` treats every id in ``IN_BASELINE`` as patched without a marker of its own. Runs
started before (no ``BASELINE`` marker where the first patch was asked) ask each id as they
always did, so their histories replay unchanged. Patches added later are asked one by one.
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


def patched(patch_id: str) -> bool:
    """``workflow.patched``, answered by the baseline marker where the run has one."""
    if patch_id in IN_BASELINE and workflow.patched(BASELINE):
        return True
    return workflow.patched(patch_id)
