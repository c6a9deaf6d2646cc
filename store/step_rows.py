"""A step's rows worked out before its transaction: less time holding the store's write lock.

Everything a step writes that does not depend on what the store holds is built here, in the
worker's thread before ``BEGIN IMMEDIATE``: the event rows with their canonical JSON, the
outbox rows, the task and betrokkene values. The event hashes link to the hash of the event
before the step, which only the store knows for sure; the chain is worked out ahead from the
hash this process last wrote for the case, and used only if the store holds exactly that hash
(checked in the transaction), else worked out again there.
"""

from __future__ import annotations

from typing import Any

from domain.transition import CaseStep
from store.audit import sealed_event
from store.audit_hash import GENESIS_HASH, canonical_around_prev, chained_hash, normalise_details
from store.audit_key import audit_key
from store.projection import utc_moment, utc_values

# case_id -> (seq, hash) of the last event this process wrote for it: a guess, always checked.
_LAST_HASH: dict[str, tuple[int, str]] = {}
_LAST_HASH_MAX = 20_000


class StepRows:
    """The rows of one step, as far as they can be known outside the transaction."""

    def __init__(self, step: CaseStep) -> None:
        check_sequence(step)
        self.step = step
        self.key = audit_key()
        case_id = step.case_id
        self.base: list[dict[str, Any]] = []
        self.around: list[tuple[str, str]] = []
        self.notes: list[list[dict[str, Any]]] = []
        for item in step.events:
            row: dict[str, Any] = {
                "case_id": case_id,
                "seq": item.seq,
                "event_type": item.event.event_type,
                "occurred_at": utc_moment(item.event.occurred_at),
                "actor_sub": item.event.actor_sub,
                "actor_name": item.event.actor_name,
                "actor_role": item.event.actor_role,
                "details": normalise_details(item.event.details),
            }
            self.base.append(row)
            self.around.append(canonical_around_prev(**row))
            at = row["occurred_at"]
            self.notes.append(
                [
                    {"case_id": case_id, "seq": item.seq, "idx": idx, "created_at": at}
                    | n.model_dump()
                    for idx, n in enumerate(item.notifications)
                ]
            )
        self.tasks: list[tuple[str, dict[str, Any]]] = []
        for task in step.rows.tasks:
            values = utc_values(task)
            values["assignees"] = list(task.assignees)
            self.tasks.append((task.task_id, values))
        self.betrokkenen = [(b.ref, utc_values(b)) for b in step.rows.betrokkenen]
        guess = GENESIS_HASH if step.first_seq == 1 else None
        last = _LAST_HASH.get(case_id)
        if last is not None and last[0] == step.first_seq - 1:
            guess = last[1]
        self._ahead = (guess, self._chain(guess)) if guess is not None else None

    def events(self, prev_hash: str) -> list[dict[str, Any]]:
        """The step's audit event rows as they are written: hash-chained and sealed."""
        if self._ahead is not None and self._ahead[0] == prev_hash:
            rows = self._ahead[1]
        else:
            rows = self._chain(prev_hash)
        if len(_LAST_HASH) >= _LAST_HASH_MAX:
            _LAST_HASH.clear()
        _LAST_HASH[self.step.case_id] = (self.step.last_seq, rows[-1]["hash"])
        return rows

    def _chain(self, prev_hash: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for base, around in zip(self.base, self.around, strict=True):
            row = base | {"prev_hash": prev_hash}
            row["hash"] = prev_hash = chained_hash(around, prev_hash)
            row["mac"] = sealed_event(self.key, base["case_id"], base["seq"], prev_hash)
            rows.append(row)
        return rows


def check_sequence(step: CaseStep) -> None:
    seqs = [item.seq for item in step.events]
    if seqs[0] < 1 or seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        raise ValueError(f"case {step.case_id}: the events of a step must be 1, 2, ...: {seqs}")
