"""What a report is made of: sections of tables of labelled rows. Renderers only read these."""

from __future__ import annotations

from dataclasses import dataclass, field

# None: the row did not exist that year ("-" in the published tables); str: a suppressed cell ("<5")
Cell = int | float | str | None


@dataclass
class Row:
    key: str
    label: str
    cells: list[Cell]
    total: bool = False


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[Row]
    notes: list[str] = field(default_factory=list)

    def row(self, key: str) -> Row:
        for row in self.rows:
            if key in (row.key, row.label):
                return row
        raise KeyError(f"no row '{key}' in table '{self.key}'")

    def cell(self, row_key: str, column: str) -> Cell:
        return self.row(row_key).cells[self.columns.index(column)]

    def with_total(self, label: str = "Totaal") -> Table:
        """Append a computed total row over every row so far; a column of only '-' stays '-'."""
        sums: list[Cell] = []
        for i in range(len(self.columns)):
            values = [c for r in self.rows if isinstance(c := r.cells[i], int | float)]
            sums.append(sum(values) if values else None)
        self.rows.append(Row("totaal", label, sums, total=True))
        return self


@dataclass
class Section:
    title: str
    do: str | None
    tables: list[Table]

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(f"no table '{key}' in section '{self.title}'")


@dataclass
class Report:
    title: str
    year: int
    do: str | None
    sections: list[Section]
    notes: list[str] = field(default_factory=list)

    def section(self, do: str | None) -> Section:
        for section in self.sections:
            if section.do == do:
                return section
        raise KeyError(f"no section for {do or 'Defensie'}")
