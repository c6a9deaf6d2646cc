"""A report as Markdown, CSV (one line per cell), JSON or HTML with the charts inline."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from dataclasses import asdict

from reports.tables import Cell, Report, Table

FORMATS = ("md", "csv", "json", "html")


def show(cell: Cell) -> str:
    if cell is None:
        return "-"
    if isinstance(cell, float):
        return f"{cell:.1f}"
    return str(cell)


def render(report: Report, fmt: str, plots: bool = True) -> str:
    if fmt == "md":
        return to_markdown(report)
    if fmt == "csv":
        return to_csv(report)
    if fmt == "json":
        return json.dumps(asdict(report), ensure_ascii=False, indent=2)
    if fmt == "html":
        return to_html(report, plots)
    raise ValueError(f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")


def _md_table(table: Table) -> list[str]:
    out = [f"### {table.title}", "", "| | " + " | ".join(table.columns) + " |"]
    out.append("|---|" + "---:|" * len(table.columns))
    for row in table.rows:
        label = f"**{row.label}**" if row.total else row.label
        out.append(f"| {label} | " + " | ".join(show(c) for c in row.cells) + " |")
    if not table.rows:
        out.append("| (geen gegevens) |" + " |" * len(table.columns))
    out += [""] + [f"_{note}_" for note in table.notes] + [""]
    return out


def to_markdown(report: Report) -> str:
    out = [f"# {report.title}", ""] + [f"_{n}_" for n in report.notes] + [""]
    for section in report.sections:
        out += [f"## {section.title}", ""]
        for table in section.tables:
            out += _md_table(table)
    return "\n".join(out)


def to_csv(report: Report) -> str:
    """Tidy: section, table, row key, row label, column, value; '-' where a row did not exist."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "table", "row_key", "row", "column", "value"])
    for section in report.sections:
        for table in section.tables:
            for row in table.rows:
                for column, cell in zip(table.columns, row.cells, strict=True):
                    writer.writerow(
                        [section.title, table.key, row.key, row.label, column, show(cell)]
                    )
    return buffer.getvalue()


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}
table{border-collapse:collapse;margin:.5em 0 .3em}
th,td{border:1px solid #bbb;padding:.2em .6em}
td.n{text-align:right}tr.total{font-weight:bold;background:#f2f2f2}
p.note{color:#555;font-size:.85em;margin:.2em 0}
img{max-width:100%}
"""


def _html_table(table: Table) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in table.columns)
    body = []
    for row in table.rows:
        cls = ' class="total"' if row.total else ""
        cells = "".join(f'<td class="n">{esc(show(c))}</td>' for c in row.cells)
        body.append(f"<tr{cls}><th scope=row>{esc(row.label)}</th>{cells}</tr>")
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in table.notes)
    return (
        f"<h3>{esc(table.title)}</h3><table><thead><tr><th></th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>{notes}"
    )


def _inline_images(report: Report) -> dict[str, str]:
    from reports.plots import report_images  # matplotlib only when a chart is wanted

    images = {}
    for (name, _fmt), content in report_images(report, ("png",)).items():
        encoded = base64.b64encode(content).decode()
        images[name] = f'<img alt="{html.escape(name)}" src="data:image/png;base64,{encoded}">'
    return images


def to_html(report: Report, plots: bool = True) -> str:
    esc = html.escape
    images = _inline_images(report) if plots else {}
    parts = [f"<h1>{esc(report.title)}</h1>"] + [
        f'<p class="note">{esc(n)}</p>' for n in report.notes
    ]
    for section in report.sections:
        slug = (section.do or "defensie").lower()
        parts.append(f"<h2>{esc(section.title)}</h2>")
        parts += [img for name, img in images.items() if name.startswith(slug + "-")]
        parts += [_html_table(t) for t in section.tables]
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        f"<title>{esc(report.title)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>\n"
    )
