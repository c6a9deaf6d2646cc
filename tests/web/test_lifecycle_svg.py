"""The picture of the path: done, now, skipped and ahead, told in words for a screen reader."""

from __future__ import annotations

import re

from api.web.lifecycle_svg import lifecycle_svg


def states(svg: str) -> list[str]:
    fills = re.findall(
        r'<circle [^>]*fill="(#[0-9a-f]+)" stroke="(#[0-9a-f]+)"[^>]*?(/>| stroke-dasharray)', svg
    )
    return [
        "now" if stroke == "#e17000" else "done" if fill == "#01689b" else
        "skipped" if dash.startswith(" stroke-dasharray") else "ahead"
        for fill, stroke, dash in fills
    ]  # fmt: skip


def test_a_case_in_weging_has_intake_and_keuze_behind_it() -> None:
    svg = str(lifecycle_svg("weging", ["intake", "keuze_afhandeling", "weging"]))
    assert states(svg)[:4] == ["done", "done", "now", "ahead"]
    assert 'role="img"' in svg and "Nu: Weging. Doorlopen: Intake, Keuze afhandeling." in svg


def test_a_case_handled_in_the_line_skips_the_investigation() -> None:
    svg = str(lifecycle_svg("afdoening", ["intake", "keuze_afhandeling", "afdoening"]))
    assert states(svg)[2:8] == ["skipped"] * 5 + ["now"]


def test_a_kmar_case_has_no_weging_on_its_path() -> None:
    svg = str(lifecycle_svg("instelling", ["intake", "keuze_afhandeling"], variant="kmar"))
    assert ">Weging<" not in svg and len(states(svg)) == 10
