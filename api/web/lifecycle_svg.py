"""Where a case stands in the lifecycle, drawn as the path it travels (an inline SVG)."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from api.web.dutch import phase as phase_name
from domain.phases import Phase

PATH = [p for p in Phase]
STEP, LEFT, TOP = 96, 48, 30
COLOURS = {"done": "#01689b", "now": "#e17000", "ahead": "#ffffff", "skipped": "#ffffff"}


def _state(p: Phase, current: str, visited: set[str], order: list[Phase]) -> str:
    if p.value == current:
        return "now"
    if p.value in visited:
        return "done"
    if order.index(p) < order.index(Phase(current)):
        return "skipped"
    return "ahead"


def _node(i: int, p: Phase, state: str) -> str:
    x = LEFT + i * STEP
    r = 13 if state == "now" else 9
    dash = ' stroke-dasharray="3 3"' if state == "skipped" else ""
    stroke = "#e17000" if state == "now" else ("#01689b" if state == "done" else "#696969")
    y_label = TOP + 34 + (16 if i % 2 else 0)
    weight = "700" if state == "now" else "400"
    return (
        f'<circle cx="{x}" cy="{TOP}" r="{r}" fill="{COLOURS[state]}" stroke="{stroke}" '
        f'stroke-width="3"{dash}/>'
        f'<text x="{x}" y="{y_label}" text-anchor="middle" font-size="12" '
        f'font-weight="{weight}" fill="#1a1a1a">{escape(phase_name(p.value))}</text>'
    )


def lifecycle_svg(current: str, visited: list[str], variant: str = "standaard") -> Markup:
    """The phases left to right: done (filled), now (orange, large), skipped (dashed), ahead."""
    order = [p for p in PATH if not (variant == "kmar" and p is Phase.weging)]
    seen = set(visited)
    states = [_state(p, current, seen, order) for p in order]
    width = LEFT * 2 + STEP * (len(order) - 1)
    line_end = LEFT + STEP * (len(order) - 1)
    now_x = LEFT + STEP * next((i for i, s in enumerate(states) if s == "now"), 0)
    parts = [
        f'<line x1="{LEFT}" y1="{TOP}" x2="{line_end}" y2="{TOP}" stroke="#b4b4b4" '
        'stroke-width="4"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{now_x}" y2="{TOP}" stroke="#01689b" stroke-width="4"/>',
        *(_node(i, p, s) for i, (p, s) in enumerate(zip(order, states, strict=True))),
    ]
    done = [phase_name(p.value) for p, s in zip(order, states, strict=True) if s == "done"]
    ahead = [phase_name(p.value) for p, s in zip(order, states, strict=True) if s == "ahead"]
    desc = (
        f"Nu: {phase_name(current)}. Doorlopen: {', '.join(done) or 'geen'}. "
        f"Nog mogelijk: {', '.join(ahead) or 'geen'}."
    )
    return Markup(
        f'<svg class="levensloop" viewBox="0 0 {width} {TOP + 62}" role="img" '
        f'aria-labelledby="levensloop-titel levensloop-uitleg" '
        ">"
        f'<title id="levensloop-titel">Waar de zaak staat in de levensloop</title>'
        f'<desc id="levensloop-uitleg">{escape(desc)}</desc>{"".join(parts)}</svg>'
    )
