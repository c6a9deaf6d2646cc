"""`sg989 demo`: one case through the full path, then a timeline whose hash chain holds."""

from __future__ import annotations

from sg989.demo import run_demo
from sg989.timeline_view import format_timeline


async def test_demo_closes_its_case_and_prints_an_intact_timeline(
    dev_worker, engine, task_queue, capsys
) -> None:
    case_id = await run_demo(dev_worker.client, engine, task_queue)
    printed = capsys.readouterr().out
    assert f"Case {case_id} is gesloten (afgedaan)." in printed

    timeline = format_timeline(engine, case_id)
    assert "beschikking_vastgesteld" in timeline and "zaak_gesloten" in timeline
    assert timeline.rstrip().endswith("intact")


def test_timeline_of_an_unknown_case_says_so(engine) -> None:
    assert "no events of that case" in format_timeline(engine, "ZK-2026-99999")
