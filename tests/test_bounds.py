"""The domain models refuse what the store cannot hold, so no workflow can accept it either."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from domain.case import Actor, Melding
from domain.organisation import Organisation, UnknownUnit
from domain.payloads import PAYLOAD_MODEL
from domain.phases import TaskType
from domain.requests import CompleteTask, ExtendTask
from sg989.organisation_file import load_organisation
from sg989.policy_files import load_policy

ACTOR = Actor(sub="cdt-1", roles=["commandant"], units=["CLAS"])


@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:59:59-23:59", "9999-01-01T00:00:00Z", "1900-01-01T00:00:00Z"]
)
def test_an_extension_far_outside_the_calendar_is_refused(moment: str) -> None:
    with pytest.raises(ValidationError, match="dates must lie between"):
        ExtendTask(actor=ACTOR, task_id="T1", new_due_at=moment, reason="x")


def test_a_naive_extension_time_is_refused() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        ExtendTask(actor=ACTOR, task_id="T1", new_due_at="2027-01-01T00:00:00", reason="x")


def test_texts_lists_and_payload_dates_are_bounded() -> None:
    melding = {
        "unit": "CLAS/11LMB", "category": "financieel", "channel": "mid",
        "melder_type": "medewerker", "description": "ok",
    }  # fmt: skip
    Melding.model_validate(melding)
    with pytest.raises(ValidationError, match="U\\+0000"):
        Melding.model_validate({**melding, "description": "a\x00b"})
    with pytest.raises(ValidationError, match="at most 20000"):
        CompleteTask(actor=ACTOR, task_id="T1", payload={"samenvatting": "x" * 20_001})
    with pytest.raises(ValidationError, match="at most 100 entries"):
        PAYLOAD_MODEL[TaskType.hac_advies].model_validate(
            {"advies": "x", "geadviseerde_maatregelen": ["ontslag"] * 101}
        )
    with pytest.raises(ValidationError, match="dates must lie between"):
        PAYLOAD_MODEL[TaskType.bezwaartermijn].model_validate({"ontvangen_op": "9999-12-31"})


def test_a_clock_without_its_own_ceiling_extends_at_most_a_year() -> None:
    policy = load_policy()
    due = datetime(2027, 3, 1, tzinfo=UTC)
    ceiling = policy.max_extension(TaskType.keuze_afhandeling, due)
    assert ceiling is not None and due < ceiling <= due + timedelta(days=366)


def test_the_shipped_organisation_knows_its_units_and_suggests_close_ones() -> None:
    organisation = load_organisation()
    assert organisation.canonical("clas/11lmb") == "CLAS/11LMB"
    with pytest.raises(UnknownUnit) as refused:
        organisation.canonical("CLAS/11LBM")
    assert "CLAS/11LMB" in refused.value.close
    with pytest.raises(ValueError, match="defensieonderdeel"):
        Organisation.parse(["NAVO/HQ"])


def test_a_bad_value_deep_in_a_payload_is_found_whatever_holds_it() -> None:
    from domain.bounds import check_bounded

    for nested in (
        {"a": [{"b": "ok"}, {"c": ["x\x00"]}]},
        ["ok", ("fine", {"k": "y\x01"})],
        {"bijlagen": {"deel": frozenset({"z\x02"})}},
        {"k": [1, 2.5, True, None, "\x03"]},
    ):
        with pytest.raises(ValueError, match="control character"):
            check_bounded(nested)
    with pytest.raises(ValueError, match="at most 100 entries"):
        check_bounded({"lijst": [{"n": i} for i in range(101)]})
    with pytest.raises(ValueError, match="dates must lie between"):
        check_bounded({"op": [date(1999, 12, 31)]})
    assert check_bounded({"a": [1, "b", None]}) == {"a": [1, "b", None]}
