"""The audit timeline is hash-chained: any later change to it is found and explained."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from store_helpers import T0, apply, make_case, make_transition

from domain.phases import Phase
from store.audit import ChainVerification, verify_chain
from store.audit_hash import GENESIS_HASH, event_hash
from store.db import as_utc, session_scope

CASE = "ZK-2026-0001"
STEPS = [
    ("melding_geregistreerd", Phase.intake, {"channel": "coid"}),
    ("taak_afgerond", Phase.keuze_afhandeling, {"task": "intake_contact"}),
    ("weging_gegeven", Phase.instelling, {"weging": "onderzoek", "op": T0}),
    ("besluit_instelling", Phase.onderzoek, {"onderzoekers": ["o-1", "o-2"], "n": 1.5}),
    ("taak_verlengd", Phase.onderzoek, {"reason": "getuige met verlof", "weeks": 2}),
]


@pytest.fixture
def recorded(engine: Engine) -> Engine:
    # A non-UTC offset on purpose: the hash must survive SQLite's naive datetimes.
    amsterdam = timezone(timedelta(hours=1))
    for seq, (event_type, phase, details) in enumerate(STEPS, start=1):
        at = datetime(2026, 3, 2, 10, seq, 30, 123456, tzinfo=amsterdam)
        apply(
            engine, make_transition(make_case(phase=phase), seq, event_type, at=at, details=details)
        )
    return engine


def verify(engine: Engine, case_id: str = CASE) -> ChainVerification:
    with session_scope(engine) as session:
        return verify_chain(session, case_id)


def tamper(engine: Engine, sql: str) -> None:
    with engine.begin() as connection:
        connection.execute(text(sql))


def test_an_untouched_timeline_verifies(recorded: Engine) -> None:
    result = verify(recorded)
    assert result.ok and result.events == 5 and result.first_broken_seq is None


def test_the_first_event_links_to_the_genesis_hash(recorded: Engine) -> None:
    with recorded.connect() as connection:
        first = connection.execute(text("SELECT prev_hash FROM auditevent WHERE seq = 1")).scalar()
    assert first == GENESIS_HASH


def test_a_changed_detail_is_reported_with_the_event(recorded: Engine) -> None:
    tamper(
        recorded, """UPDATE auditevent SET details = '{"weging": "geen_onderzoek"}' WHERE seq = 3"""
    )
    result = verify(recorded)
    assert not result.ok and result.first_broken_seq == 3
    assert result.reason == (
        "event 3 (weging_gegeven) was changed after it was recorded: "
        "its hash does not match its content"
    )


def test_a_deleted_event_in_the_middle_is_reported(recorded: Engine) -> None:
    tamper(recorded, "DELETE FROM auditevent WHERE seq = 2")
    result = verify(recorded)
    assert not result.ok and result.first_broken_seq == 2
    assert "event 2 is missing" in result.reason and "deleted" in result.reason


def test_deleting_the_latest_events_is_reported(recorded: Engine) -> None:
    tamper(recorded, "DELETE FROM auditevent WHERE seq >= 4")
    result = verify(recorded)
    assert not result.ok and result.first_broken_seq == 4
    assert result.reason == "events 4 to 5 were deleted: the case recorded 5"


def test_a_changed_link_is_reported(recorded: Engine) -> None:
    tamper(recorded, "UPDATE auditevent SET prev_hash = 'f' || substr(prev_hash, 2) WHERE seq = 4")
    result = verify(recorded)
    assert not result.ok and result.first_broken_seq == 4
    assert "event 4 (besluit_instelling) does not link to the event before it" in result.reason


def as_datetime(value: str | datetime) -> datetime:
    """SQLite hands back text, PostgreSQL a datetime."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def test_a_rewritten_event_with_a_recomputed_hash_breaks_the_next_link(recorded: Engine) -> None:
    with recorded.connect() as connection:
        row = connection.execute(text("SELECT * FROM auditevent WHERE seq = 2")).mappings().one()
    forged = event_hash(
        case_id=CASE,
        seq=2,
        event_type="taak_afgerond",
        occurred_at=as_datetime(row["occurred_at"]),
        actor_sub="someone-else",
        actor_name=row["actor_name"],
        actor_role=row["actor_role"],
        details={"task": "intake_contact"},
        prev_hash=row["prev_hash"],
    )
    tamper(
        recorded,
        f"UPDATE auditevent SET actor_sub = 'someone-else', hash = '{forged}' WHERE seq = 2",
    )
    result = verify(recorded)
    assert not result.ok and result.first_broken_seq == 2
    assert (
        "event 3 (weging_gegeven) was sealed after a different version of event 2" in result.reason
    )


def test_an_unknown_case_is_not_reported_as_verified(recorded: Engine) -> None:
    result = verify(recorded, "ZK-2026-9999")
    assert not result.ok and result.events == 0
    assert result.reason == "no events recorded for this case"


def test_the_hash_depends_on_the_moment_not_on_its_time_zone() -> None:
    def hashed(at: datetime) -> str:
        return event_hash(
            case_id=CASE,
            seq=1,
            event_type="melding_geregistreerd",
            occurred_at=at,
            actor_sub=None,
            actor_name=None,
            actor_role=None,
            details={"at": at},
            prev_hash=GENESIS_HASH,
        )

    utc = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert hashed(utc) == hashed(utc.astimezone(timezone(timedelta(hours=1))))
    assert hashed(utc) == hashed(utc.replace(tzinfo=None))  # how SQLite hands it back
    assert hashed(utc) != hashed(utc + timedelta(microseconds=1))


@pytest.mark.parametrize(
    "details",
    [
        {},
        {"prev_hash": "in de details", "z": {"seq": 1}, "a": [1, 2.5, None, True]},
        {
            "reden": 'Ü "citaat" \u2028 ✓',
            "op": datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=2))),
        },
    ],
)
@pytest.mark.parametrize("occurred_at", [None, T0, datetime(2026, 3, 2, 9, 0)])
def test_an_event_hash_is_the_sha256_of_its_canonical_json(
    details: dict[str, object], occurred_at: datetime | None
) -> None:
    """The write path serialises an event before it knows the hash it links to; the hash
    stays the one a verifier computes from the documented form (what old chains hold)."""
    fields = {
        "case_id": CASE,
        "seq": 12,
        "event_type": "taak_afgerond",
        "actor_sub": None,
        "actor_name": "Ä. Adviseur",
        "actor_role": "coid_adviseur",
        "prev_hash": "ab" * 32,
    }
    canonical = json.dumps(
        fields
        | {
            "occurred_at": _iso(occurred_at) if occurred_at else None,
            "details": json.loads(json.dumps(details, default=_iso)),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    expected = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert event_hash(**fields, occurred_at=occurred_at, details=details) == expected  # type: ignore[arg-type]


def _iso(moment: datetime) -> str:
    """A moment as the timeline keeps it: UTC (a naive one is taken as UTC)."""
    utc = as_utc(moment)
    assert utc is not None
    return utc.astimezone(UTC).isoformat()
