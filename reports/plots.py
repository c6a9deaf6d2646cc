"""Charts drawn from a report's own tables, so a chart never disagrees with its table."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from matplotlib.ticker import MaxNLocator

matplotlib.use("Agg")  # no display on servers; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from reports.tables import Report, Section  # noqa: E402


def trend_figure(section: Section) -> Figure | None:
    """Meldingen per category over the three report years."""
    table = section.table("meldingen")
    years = [c for c in table.columns if c.isdigit()]
    rows = [r for r in table.rows if not r.total]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(11, 4.5))
    for row in rows:
        values = [row.cells[table.columns.index(y)] for y in years]
        ax.plot(
            years,
            [v if v is not None else float("nan") for v in values],
            marker="o",
            label=row.label,
        )
    ax.set_title(f"Meldingen per categorie — {section.title}")
    ax.set_ylabel("meldingen")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no half meldingen
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
    fig.tight_layout()
    return fig


def leadtime_figure(section: Section) -> Figure | None:
    """Median and 90th-percentile days per phase; None when no phase has ended yet."""
    table = section.table("doorlooptijden")
    rows = [r for r in table.rows if r.cells[1] is not None]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(8, 4))
    positions = range(len(rows))
    ax.barh(
        [p + 0.2 for p in positions], [float(r.cells[1] or 0) for r in rows], 0.4, label="mediaan"
    )
    ax.barh(
        [p - 0.2 for p in positions],
        [float(r.cells[2] or 0) for r in rows],
        0.4,
        label="90e percentiel",
    )
    ax.set_yticks(list(positions), [r.label for r in rows])
    ax.set_xlabel("dagen")
    ax.set_xlim(left=0)  # durations; all-zero data would otherwise centre the axis on 0
    ax.set_title(f"Doorlooptijd per fase — {section.title}")
    ax.legend()
    fig.tight_layout()
    return fig


def report_figures(report: Report) -> dict[str, Figure]:
    """Named figures: '<section>-trend' and '<section>-doorlooptijden'."""
    figures: dict[str, Figure] = {}
    for section in report.sections:
        slug = (section.do or "defensie").lower()
        for name, make in (("trend", trend_figure), ("doorlooptijden", leadtime_figure)):
            fig = make(section)
            if fig is not None:
                figures[f"{slug}-{name}"] = fig
    return figures


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=110)
    return buffer.getvalue()


def report_images(report: Report, formats: tuple[str, ...]) -> dict[tuple[str, str], bytes]:
    """(figure name, format) -> file content; figures are closed, pyplot keeps nothing."""
    images = {}
    for name, fig in report_figures(report).items():
        for fmt in formats:
            images[(name, fmt)] = figure_bytes(fig, fmt)
        plt.close(fig)
    return images


def write_plots(
    report: Report, directory: Path, formats: tuple[str, ...] = ("png", "svg")
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for (name, fmt), content in report_images(report, formats).items():
        path = directory / f"{report.year}-{name}.{fmt}"
        path.write_bytes(content)
        written.append(path)
    return written
